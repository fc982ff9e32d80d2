package org.coft.datavec.iterate;

import java.util.SplittableRandom;

/**
 * Derives independent random generators from (seed, epoch, view, example id) so that an example's
 * augmentation depends only on those, never on thread scheduling or batch position.
 */
final class SampleSeeds {

    private SampleSeeds() {
    }

    static SplittableRandom forSample(long seed, int epoch, int view, String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h = (h ^ id.charAt(i)) * 0x100000001b3L;
        }
        return new SplittableRandom(mix(mix(mix(seed) ^ h) ^ ((long) epoch << 20) ^ view));
    }

    static SplittableRandom forShuffle(long seed, int epoch) {
        return new SplittableRandom(mix(mix(seed ^ 0x5DEECE66DL) + epoch));
    }

    /** SplitMix64 finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
