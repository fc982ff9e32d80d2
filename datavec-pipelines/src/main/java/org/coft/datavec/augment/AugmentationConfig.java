package org.coft.datavec.augment;

/**
 * Training augmentation settings (torchvision semantics). Immutable; validated on construction.
 *
 * @param randomResizedCrop whether to crop a random region and resize it to the model's input size instead of
 *                          the deterministic resize + center crop
 * @param scaleMin          smallest crop area as a fraction of the image area, in (0, scaleMax]
 * @param scaleMax          largest crop area fraction, in [scaleMin, 1]
 * @param ratioMin          smallest crop aspect ratio (width / height), in (0, ratioMax]
 * @param ratioMax          largest crop aspect ratio, in [ratioMin, 100]
 * @param flipProbability   probability of a horizontal flip, in [0, 1]
 * @param brightness        brightness jitter: factor drawn from [max(0, 1 - b), 1 + b]; b in [0, 10]
 * @param contrast          contrast jitter, same form as brightness; in [0, 10]
 * @param saturation        saturation jitter, same form as brightness; in [0, 10]
 * @param hue               hue jitter: shift drawn from [-h, h] turns; h in [0, 0.5]
 */
public record AugmentationConfig(boolean randomResizedCrop, double scaleMin, double scaleMax, double ratioMin,
                                 double ratioMax, double flipProbability, double brightness, double contrast,
                                 double saturation, double hue) {

    /** Validates every field. */
    public AugmentationConfig {
        range("scaleMin", scaleMin, Double.MIN_VALUE, 1.0, "(0, 1]");
        range("scaleMax", scaleMax, scaleMin, 1.0, "[scaleMin=" + scaleMin + ", 1]");
        range("ratioMin", ratioMin, Double.MIN_VALUE, 100.0, "(0, 100]");
        range("ratioMax", ratioMax, ratioMin, 100.0, "[ratioMin=" + ratioMin + ", 100]");
        range("flipProbability", flipProbability, 0, 1, "[0, 1]");
        range("brightness", brightness, 0, 10, "[0, 10]");
        range("contrast", contrast, 0, 10, "[0, 10]");
        range("saturation", saturation, 0, 10, "[0, 10]");
        range("hue", hue, 0, 0.5, "[0, 0.5]");
    }

    /** @return no augmentation at all (deterministic resize + center crop) */
    public static AugmentationConfig none() {
        return new AugmentationConfig(false, 1, 1, 1, 1, 0, 0, 0, 0, 0);
    }

    /**
     * @return CoOp/Dassl-style training augmentation: random resized crop (scale 0.08..1, ratio 3/4..4/3),
     * horizontal flip with probability 0.5, no colour jitter
     */
    public static AugmentationConfig standard() {
        return new AugmentationConfig(true, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5, 0, 0, 0, 0);
    }

    /** @return a copy with colour jitter of the given strengths */
    public AugmentationConfig withColorJitter(double newBrightness, double newContrast, double newSaturation,
                                              double newHue) {
        return new AugmentationConfig(randomResizedCrop, scaleMin, scaleMax, ratioMin, ratioMax, flipProbability,
                newBrightness, newContrast, newSaturation, newHue);
    }

    /** @return whether any colour jitter is configured */
    public boolean hasColorJitter() {
        return brightness > 0 || contrast > 0 || saturation > 0 || hue > 0;
    }

    private static void range(String field, double value, double min, double max, String allowed) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(field + ": " + value + " is out of range " + allowed);
        }
    }
}
