package org.coft.dl4j.train;

/**
 * Frees the native memory of finished training steps. ND4J releases an array's native buffer when its Java object is
 * collected; a training loop allocates hundreds of MB of native buffers per step but barely grows the Java heap, so
 * the collector rarely runs and the process grows until javacpp's limit forces a collection (a 10k-image Phase II run
 * reached 16 GB, two rounds of Phase I with deep visual prompts 10 GB). A collection every few steps keeps the peak
 * at a few GB for the cost of a small-heap GC (milliseconds).
 */
public final class NativeMemory {
    /** Steps between collections. */
    public static final int EVERY = 4;

    private NativeMemory() {
    }

    /** Collects garbage after every {@value #EVERY}-th step ({@code step} is 0-based). */
    public static void afterStep(int step) {
        if ((step + 1) % EVERY == 0) {
            System.gc();
        }
    }
}
