package org.coft.datavec.source;

import org.coft.datavec.BadInputPolicy;

import java.util.Arrays;
import java.util.Optional;

/**
 * Options for opening an image source. Immutable.
 *
 * @param badInput     what to do with bad inputs ({@link BadInputPolicy#FAIL} by default)
 * @param classes      the task's class list (label names must be in it); {@code null} to derive it from the
 *                     labels the source holds (sorted names; for IDX the indices 0..max)
 * @param verification how thoroughly files are checked at open time ({@link Verification#HEADER} by default)
 * @param threads      threads used for checking files at open time, 1..256
 */
public record SourceOptions(BadInputPolicy badInput, ClassList classes, Verification verification, int threads) {

    /** Validates the fields. */
    public SourceOptions {
        if (badInput == null) {
            throw new IllegalArgumentException("badInput: must not be null (allowed: "
                    + Arrays.toString(BadInputPolicy.values()) + ")");
        }
        if (verification == null) {
            throw new IllegalArgumentException("verification: must not be null (allowed: "
                    + Arrays.toString(Verification.values()) + ")");
        }
        if (threads < 1 || threads > 256) {
            throw new IllegalArgumentException("threads: " + threads + " is out of range [1, 256]");
        }
    }

    /** @return FAIL on bad input, derived class list, header verification, one thread per core */
    public static SourceOptions defaults() {
        return new SourceOptions(BadInputPolicy.FAIL, null, Verification.HEADER,
                Math.min(256, Runtime.getRuntime().availableProcessors()));
    }

    /** @return a copy with the given bad-input policy */
    public SourceOptions withBadInput(BadInputPolicy value) {
        return new SourceOptions(value, classes, verification, threads);
    }

    /** @return a copy with the given class list ({@code null} to derive it) */
    public SourceOptions withClasses(ClassList value) {
        return new SourceOptions(badInput, value, verification, threads);
    }

    /** @return a copy with the given verification level */
    public SourceOptions withVerification(Verification value) {
        return new SourceOptions(badInput, classes, value, threads);
    }

    /** @return a copy using the given number of threads for open-time checks */
    public SourceOptions withThreads(int value) {
        return new SourceOptions(badInput, classes, verification, value);
    }

    /** @return the configured class list, if any */
    public Optional<ClassList> classList() {
        return Optional.ofNullable(classes);
    }
}
