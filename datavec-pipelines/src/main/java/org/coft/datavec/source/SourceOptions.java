package org.coft.datavec.source;

import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.image.ImageDecoder;

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
 * @param maxPixels    pixel budget per image, 1..{@link ImageDecoder#LARGEST_MAX_PIXELS}: an image file whose
 *                     header declares more than this many pixels (width × height), or an IDX file whose
 *                     {@code rows × cols} does, is a {@link org.coft.datavec.BadInputKind#IMAGE_TOO_LARGE} bad input,
 *                     refused from the header before any pixel memory is allocated (a decompression-bomb guard).
 *                     Default {@link ImageDecoder#DEFAULT_MAX_PIXELS} (8192 × 8192; its Javadoc says why)
 */
public record SourceOptions(BadInputPolicy badInput, ClassList classes, Verification verification, int threads,
                            long maxPixels) {

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
        if (maxPixels < 1 || maxPixels > ImageDecoder.LARGEST_MAX_PIXELS) {
            throw new IllegalArgumentException("maxPixels: " + maxPixels + " is out of range [1, "
                    + ImageDecoder.LARGEST_MAX_PIXELS + "] (pixels one image may declare; default "
                    + ImageDecoder.DEFAULT_MAX_PIXELS + " = 8192x8192)");
        }
    }

    /**
     * @return FAIL on bad input, derived class list, header verification, one thread per core, the default pixel
     * budget {@link ImageDecoder#DEFAULT_MAX_PIXELS}
     */
    public static SourceOptions defaults() {
        return new SourceOptions(BadInputPolicy.FAIL, null, Verification.HEADER,
                Math.min(256, Runtime.getRuntime().availableProcessors()), ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    /** @return a copy with the given bad-input policy */
    public SourceOptions withBadInput(BadInputPolicy value) {
        return new SourceOptions(value, classes, verification, threads, maxPixels);
    }

    /** @return a copy with the given class list ({@code null} to derive it) */
    public SourceOptions withClasses(ClassList value) {
        return new SourceOptions(badInput, value, verification, threads, maxPixels);
    }

    /** @return a copy with the given verification level */
    public SourceOptions withVerification(Verification value) {
        return new SourceOptions(badInput, classes, value, threads, maxPixels);
    }

    /** @return a copy using the given number of threads for open-time checks */
    public SourceOptions withThreads(int value) {
        return new SourceOptions(badInput, classes, verification, value, maxPixels);
    }

    /** @return a copy with the given pixel budget per image */
    public SourceOptions withMaxPixels(long value) {
        return new SourceOptions(badInput, classes, verification, threads, value);
    }

    /** @return the configured class list, if any */
    public Optional<ClassList> classList() {
        return Optional.ofNullable(classes);
    }
}
