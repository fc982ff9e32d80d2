package org.coft.clip.tokenizer;

import java.nio.file.Path;

/**
 * One merge rule as read from a file, before its symbols are resolved to ids.
 *
 * @param left     the left symbol
 * @param right    the right symbol
 * @param location where the rule was read, for error messages (e.g. {@code "line 7"}, {@code "model.merges[5]"})
 */
record MergeRule(String left, String right, String location) {

    /**
     * Parses a merge written as {@code "left right"}: two non-empty symbols separated by one space (byte-level
     * symbols never contain a space).
     *
     * @throws TokenizerFileException naming {@code file} and {@code location} if the text has another shape
     */
    static MergeRule parse(String text, String location, Path file) throws TokenizerFileException {
        int space = text.indexOf(' ');
        if (space <= 0 || space == text.length() - 1 || text.indexOf(' ', space + 1) >= 0
                || text.indexOf('\t') >= 0) {
            throw new TokenizerFileException(file, location + ": expected a merge as two symbols separated by"
                    + " one space, got '" + text + "'");
        }
        return new MergeRule(text.substring(0, space), text.substring(space + 1), location);
    }
}
