package org.coft.datavec.random;

/**
 * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) as a stateless
 * hash from seeds to seeds: the one mixer behind every seeded draw in the project (augmentation, shuffles,
 * initialisation, complement labels, task shifts).
 */
public final class SplitMix64 {
    /** The golden-ratio increment of SplitMix64's state. */
    public static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private SplitMix64() {
    }

    /** SplitMix64's output function (finaliser) applied to {@code z}. */
    public static long finalise(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The SplitMix64 output for state {@code x}: {@code finalise(x + GOLDEN)}. */
    public static long mix(long x) {
        return finalise(x + GOLDEN);
    }

    /** Stream {@code stream} of {@code seed}: {@code finalise(seed + GOLDEN · (stream + 1))}, i.e. SplitMix64's output number {@code stream + 1}. */
    public static long stream(long seed, long stream) {
        return finalise(seed + GOLDEN * (stream + 1));
    }

    /** A double uniform in [0, 1) from the top 53 bits of {@code mix(x)}. */
    public static double uniform(long x) {
        return (mix(x) >>> 11) * 0x1.0p-53;
    }
}
