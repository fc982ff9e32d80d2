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

    private static long mix(long z) {
        return org.coft.datavec.random.SplitMix64.finalise(z);
    }
}
