package org.coft.datavec.iterate;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.image.ClipImagePreprocessor;
import org.coft.datavec.image.ImageDecodeException;
import org.coft.datavec.image.ImageTransform;
import org.coft.datavec.image.RgbImage;
import org.coft.datavec.source.UnlabeledImages;

import java.util.random.RandomGenerator;

/**
 * Decode, check, transform (deterministic resize + crop, or an augmentation) and normalise one example into a
 * CHW float array. Thread-safe.
 */
final class SamplePreparer {

    private final UnlabeledImages images;
    private final ClipImagePreprocessor preprocessor;
    private final ImageTransform augmentation;
    private final long seed;
    private final int view;
    private final int height;
    private final int width;

    /** @param augmentation the random transform, or null for the deterministic resize + center crop */
    SamplePreparer(UnlabeledImages images, PreprocessConfig config, ImageTransform augmentation, long seed,
                   int view) {
        if (!config.hasFixedOutputSize()) {
            throw new IllegalArgumentException("preprocess config: " + config + " has no fixed output size (needs "
                    + "a center crop or an EXACT resize), so images cannot be batched");
        }
        this.images = images;
        this.preprocessor = new ClipImagePreprocessor(config);
        this.augmentation = augmentation;
        this.seed = seed;
        this.view = view;
        this.height = config.outputHeight();
        this.width = config.outputWidth();
    }

    int height() {
        return height;
    }

    int width() {
        return width;
    }

    int sampleLength() {
        return 3 * height * width;
    }

    UnlabeledImages images() {
        return images;
    }

    float[] prepare(int index, int epoch) throws ImageDecodeException {
        float[] out = new float[sampleLength()];
        prepareInto(index, epoch, out, 0);
        return out;
    }

    void prepareInto(int index, int epoch, float[] dest, int offset) throws ImageDecodeException {
        RgbImage rgb = preprocessor.accept(images.load(index));
        RgbImage out;
        if (augmentation == null) {
            out = preprocessor.resizeAndCrop(rgb);
        } else {
            RandomGenerator rng = SampleSeeds.forSample(seed, epoch, view, images.id(index));
            out = augmentation.apply(rgb, rng);
        }
        if (out.width() != width || out.height() != height) {
            throw new IllegalStateException("transform produced " + out.width() + "x" + out.height() + " for "
                    + images.location(index) + ", expected " + width + "x" + height);
        }
        preprocessor.normalizeInto(out, dest, offset);
    }
}
