package org.coft.clip.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A tokenizer vocabulary file (or model directory) that is missing, unreadable or malformed.
 *
 * <p>The message always starts with the file and, where one applies, the line or JSON field that was wrong,
 * followed by what was expected; for example
 * {@code "/models/clip/merges.txt line 7: expected two symbols separated by one space, got 'a b c'"}.
 */
public final class TokenizerFileException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * @param file   the file or directory at fault
     * @param detail where in the file (line, field) and what was expected, without the file name
     */
    public TokenizerFileException(Path file, String detail) {
        super(file + ": " + detail);
        this.file = Objects.requireNonNull(file, "file");
    }

    /**
     * @param file   the file or directory at fault
     * @param detail where in the file (line, field) and what was expected, without the file name
     * @param cause  the underlying I/O or parse error
     */
    public TokenizerFileException(Path file, String detail, Throwable cause) {
        super(file + ": " + detail, cause);
        this.file = Objects.requireNonNull(file, "file");
    }

    /** @return the file or directory at fault */
    public Path file() {
        return file;
    }
}
