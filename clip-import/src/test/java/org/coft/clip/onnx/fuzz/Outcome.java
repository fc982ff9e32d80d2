package org.coft.clip.onnx.fuzz;

/** How one import of one mutant ended. Only {@link #OK} and {@link #TYPED} are acceptable. */
enum Outcome {
    /** Imported. */
    OK,
    /** Refused with the importer's typed {@code OnnxImportException}. */
    TYPED,
    /** Any other exception or error: a bug. */
    UNTYPED,
    /** Ran out of heap or native memory: a bug (the importer must refuse oversized values first). */
    OOM,
    /** Did not finish within the watchdog's limit. */
    HANG,
    /** The JVM died (a native crash, or killed). */
    CRASH;

    boolean acceptable() {
        return this == OK || this == TYPED;
    }
}
