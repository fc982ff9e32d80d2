package org.coft.dl4j.layers;

import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Creates a SameDiff graph's gradient function without its console noise: in M2.1
 * {@code SameDiff.createGradFunction} prints every differentiated op to standard output (FACTS.md), which would
 * land in a user's output. Standard output is swapped for the call, under a lock on {@code System.class}.
 */
public final class QuietGradients {
    private QuietGradients() {
    }

    /**
     * @param placeholdersNeedingGradients placeholders whose gradients are wanted too (e.g. a DL4J layer's input)
     */
    public static void create(SameDiff sd, String... placeholdersNeedingGradients) {
        synchronized (System.class) {
            java.io.PrintStream saved = System.out;
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            try {
                sd.createGradFunction(placeholdersNeedingGradients);
            } finally {
                System.setOut(saved);
            }
        }
    }
}
