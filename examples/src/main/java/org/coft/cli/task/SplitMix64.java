package org.coft.cli.task;

/**
 * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) used as a
 * stateless hash: a task's random choice for an image is a function of a seed and the image's index only, so a
 * subset ({@code --limit}) gets the same pixels as the full task. Mirrored bit for bit by
 * {@code tools/reference-clip/tasks.py}.
 */
final class SplitMix64 {
    private SplitMix64() {
    }

    /** @return the SplitMix64 output for state {@code x} */
    static long mix(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** @return a double uniform in [0, 1) from the top 53 bits of {@code mix(x)} */
    static double uniform(long x) {
        return (mix(x) >>> 11) * 0x1.0p-53;
    }
}
