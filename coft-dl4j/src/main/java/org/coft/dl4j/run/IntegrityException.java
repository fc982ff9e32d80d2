package org.coft.dl4j.run;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file of a run folder does not match what its ledger recorded: changed, truncated, missing, or never recorded.
 * The message names the file, the expected and actual SHA-256 and what to do.
 */
public final class IntegrityException extends IOException {
    private final transient Path file;
    private final String expected;
    private final String actual;

    IntegrityException(Path file, String expected, String actual, String advice) {
        super(file + ": " + describe(expected, actual) + "; " + advice);
        this.file = file;
        this.expected = expected;
        this.actual = actual;
    }

    private static String describe(String expected, String actual) {
        if (expected == null) {
            return "not recorded in the run's " + RunFolder.LEDGER + " (written by another program or an older CoFT)";
        }
        if (actual == null) {
            return "missing (recorded with SHA-256 " + expected + ")";
        }
        return "SHA-256 mismatch: expected " + expected + ", actual " + actual + " (the file was changed or damaged "
                + "after it was written)";
    }

    /** The file that failed verification. */
    public Path file() {
        return file;
    }

    /** The recorded SHA-256, or null when the file was not recorded. */
    public String expected() {
        return expected;
    }

    /** The file's SHA-256 now, or null when it is missing. */
    public String actual() {
        return actual;
    }
}
