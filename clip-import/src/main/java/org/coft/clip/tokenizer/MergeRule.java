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

    /**
     * Collects merge rules from the lines of a merges file, one rule {@code "a b"} per line: counts lines for
     * messages, strips a trailing carriage return, allows blank lines only at the end.
     */
    static final class LineCollector {
        private final Path file;
        private final java.util.List<MergeRule> rules;
        private int lineNumber;
        private int blankLine;

        LineCollector(Path file, java.util.List<MergeRule> rules, int linesAlreadyRead) {
            this.file = file;
            this.rules = rules;
            this.lineNumber = linesAlreadyRead;
        }

        /** The number of the last line accepted (for read-error messages). */
        int lineNumber() {
            return lineNumber;
        }

        /** Accepts the next line; {@code skipIfFirst} is a header prefix ignored on line 1 (or null). */
        void accept(String raw, String skipIfFirst) throws TokenizerFileException {
            lineNumber++;
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (lineNumber == 1 && skipIfFirst != null && line.startsWith(skipIfFirst)) {
                return;
            }
            if (line.isEmpty()) {
                blankLine = blankLine == 0 ? lineNumber : blankLine;
                return;
            }
            if (blankLine != 0) {
                throw new TokenizerFileException(file, "line " + blankLine
                        + ": blank line before the last merge; expected one merge 'a b' per line");
            }
            rules.add(MergeRule.parse(line, "line " + lineNumber, file));
        }
    }
}
