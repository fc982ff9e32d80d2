package org.coft.datavec.augment;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.image.ClipImagePreprocessor;
import org.coft.datavec.image.ImageTransform;
import org.coft.datavec.image.PillowResampler;
import org.coft.datavec.image.RgbImage;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Applies an {@link AugmentationConfig} to one image, producing the model's input size: random resized crop
 * (or the deterministic resize + center crop), horizontal flip, colour jitter — in that order, as a
 * torchvision {@code Compose} of {@code RandomResizedCrop}, {@code RandomHorizontalFlip}, {@code ColorJitter}
 * would. Resizes use the model's interpolation with Pillow's algorithm. Immutable and thread-safe; all
 * randomness comes from the generator passed per sample.
 */
public final class Augmenter implements ImageTransform {

    private final AugmentationConfig config;
    private final ClipImagePreprocessor preprocessor;
    private final int outHeight;
    private final int outWidth;

    /**
     * @param config       the augmentation settings
     * @param preprocess   the model's preprocessing (output size and interpolation); needs a fixed output size
     */
    public Augmenter(AugmentationConfig config, PreprocessConfig preprocess) {
        this.config = Objects.requireNonNull(config, "config");
        if (!preprocess.hasFixedOutputSize()) {
            throw new IllegalArgumentException("preprocess: " + preprocess + " has no fixed output size (needs a "
                    + "center crop or an EXACT resize) so augmented images could not be batched");
        }
        this.preprocessor = new ClipImagePreprocessor(preprocess);
        this.outHeight = preprocess.outputHeight();
        this.outWidth = preprocess.outputWidth();
    }

    /** @return the augmentation settings */
    public AugmentationConfig config() {
        return config;
    }

    @Override
    public RgbImage apply(RgbImage image, RandomGenerator rng) {
        RgbImage out = config.randomResizedCrop() ? randomResizedCrop(image, rng) : preprocessor.resizeAndCrop(image);
        if (config.flipProbability() > 0 && rng.nextDouble() < config.flipProbability()) {
            out = out.flipHorizontal();
        }
        if (config.hasColorJitter()) {
            out = ColorJitter.apply(out, config, rng);
        }
        return out;
    }

    /** torchvision {@code RandomResizedCrop.get_params}: ten tries at a random area/ratio, else a central crop. */
    private RgbImage randomResizedCrop(RgbImage image, RandomGenerator rng) {
        int w = image.width();
        int h = image.height();
        double area = (double) w * h;
        double logRatioMin = Math.log(config.ratioMin());
        double logRatioMax = Math.log(config.ratioMax());
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * uniform(rng, config.scaleMin(), config.scaleMax());
            double aspect = Math.exp(uniform(rng, logRatioMin, logRatioMax));
            int cw = (int) Math.round(Math.sqrt(targetArea * aspect));
            int ch = (int) Math.round(Math.sqrt(targetArea / aspect));
            if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
                int top = rng.nextInt(h - ch + 1);
                int left = rng.nextInt(w - cw + 1);
                return resizeTo(image.crop(left, top, cw, ch));
            }
        }
        double inRatio = (double) w / h;
        int cw;
        int ch;
        if (inRatio < config.ratioMin()) {
            cw = w;
            ch = Math.max(1, (int) Math.round(w / config.ratioMin()));
        } else if (inRatio > config.ratioMax()) {
            ch = h;
            cw = Math.max(1, (int) Math.round(h * config.ratioMax()));
        } else {
            cw = w;
            ch = h;
        }
        return resizeTo(image.crop((w - cw) / 2, (h - ch) / 2, cw, ch));
    }

    private RgbImage resizeTo(RgbImage crop) {
        return PillowResampler.resize(crop, outWidth, outHeight, preprocessor.config().interpolation());
    }

    private static double uniform(RandomGenerator rng, double lo, double hi) {
        return lo == hi ? lo : lo + (hi - lo) * rng.nextDouble();
    }
}
