package org.coft.datavec.image;

import java.util.random.RandomGenerator;

/**
 * A per-sample image operation that may use randomness (an augmentation), or none (the deterministic
 * resize + center crop). The caller supplies a generator seeded per example, so results do not depend on
 * which thread runs the transform or in which order.
 */
@FunctionalInterface
public interface ImageTransform {

    /**
     * @param image the decoded RGB image
     * @param rng   this sample's random generator
     * @return the transformed image
     */
    RgbImage apply(RgbImage image, RandomGenerator rng);
}
