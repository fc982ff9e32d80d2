package org.coft.datavec.augment;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.TestImages;
import org.coft.datavec.image.ClipImagePreprocessor;
import org.coft.datavec.image.PillowResampler;
import org.coft.datavec.image.RgbImage;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmenterTest {

    private static final PreprocessConfig CONFIG = PreprocessConfig.clipDefault(32);

    private static RgbImage image(int w, int h) {
        BufferedImage img = TestImages.pattern(w, h, 5, BufferedImage.TYPE_INT_RGB);
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                px[(y * w + x) * 3] = (byte) (rgb >> 16);
                px[(y * w + x) * 3 + 1] = (byte) (rgb >> 8);
                px[(y * w + x) * 3 + 2] = (byte) rgb;
            }
        }
        return new RgbImage(w, h, px);
    }

    @Test
    void noAugmentationIsTheDeterministicPreprocessing() {
        RgbImage img = image(50, 40);
        RgbImage out = new Augmenter(AugmentationConfig.none(), CONFIG).apply(img, new SplittableRandom(1));
        assertArrayEquals(new ClipImagePreprocessor(CONFIG).resizeAndCrop(img).pixels(), out.pixels());
    }

    @Test
    void certainFlipMirrorsTheCenterCrop() {
        RgbImage img = image(50, 40);
        AugmentationConfig flip = new AugmentationConfig(false, 1, 1, 1, 1, 1.0, 0, 0, 0, 0);
        RgbImage out = new Augmenter(flip, CONFIG).apply(img, new SplittableRandom(1));
        assertArrayEquals(new ClipImagePreprocessor(CONFIG).resizeAndCrop(img).flipHorizontal().pixels(), out.pixels());
    }

    @Test
    void fullScaleSquareCropIsAPlainResize() {
        RgbImage img = image(48, 48);
        AugmentationConfig whole = new AugmentationConfig(true, 1, 1, 1, 1, 0, 0, 0, 0, 0);
        RgbImage out = new Augmenter(whole, CONFIG).apply(img, new SplittableRandom(9));
        assertArrayEquals(PillowResampler.resize(img, 32, 32, CONFIG.interpolation()).pixels(), out.pixels());
    }

    @Test
    void randomResizedCropAndJitterAreSeededAndSized() {
        RgbImage img = image(90, 60);
        Augmenter aug = new Augmenter(AugmentationConfig.standard().withColorJitter(0.4, 0.4, 0.4, 0.1), CONFIG);
        RgbImage a = aug.apply(img, new SplittableRandom(11));
        RgbImage b = aug.apply(img, new SplittableRandom(11));
        RgbImage c = aug.apply(img, new SplittableRandom(12));
        assertEquals(32, a.width());
        assertEquals(32, a.height());
        assertArrayEquals(a.pixels(), b.pixels());
        assertFalse(java.util.Arrays.equals(a.pixels(), c.pixels()));
    }

    @Test
    void saturationJitterChangesOnlyTheColourSpread() {
        RgbImage img = image(32, 32);
        AugmentationConfig grey = new AugmentationConfig(false, 1, 1, 1, 1, 0, 0, 0, 1.0, 0);
        // saturation strength 1 draws a blend factor in [0, 2] towards/away from the grey image
        RgbImage out = new Augmenter(grey, CONFIG).apply(img, new SplittableRandom(0));
        assertEquals(32, out.width());
        double spreadIn = 0;
        double spreadOut = 0;
        for (int i = 0; i < 32 * 32; i++) {
            spreadIn += Math.abs(img.sample(i % 32, i / 32, 0) - img.sample(i % 32, i / 32, 2));
            spreadOut += Math.abs(out.sample(i % 32, i / 32, 0) - out.sample(i % 32, i / 32, 2));
        }
        assertTrue(spreadOut != spreadIn, "saturation jitter changed the colour spread");
        AugmentationConfig none = new AugmentationConfig(false, 1, 1, 1, 1, 0, 0, 0, 0, 0);
        RgbImage same = new Augmenter(none, CONFIG).apply(img, new SplittableRandom(0));
        assertArrayEquals(img.pixels(), same.pixels(), "no jitter, 32x32 input at size 32: unchanged");
    }

    @Test
    void configValidation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AugmentationConfig(true, 0.5, 0.2, 1, 1, 0, 0, 0, 0, 0));
        assertTrue(e.getMessage().startsWith("scaleMax: 0.2 is out of range [scaleMin=0.5, 1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AugmentationConfig.none().withColorJitter(0, 0, 0, 0.7));
        assertTrue(e.getMessage().startsWith("hue: 0.7 is out of range [0, 0.5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new AugmentationConfig(false, 1, 1, 1, 1, Double.NaN, 0, 0, 0, 0));
        assertTrue(e.getMessage().startsWith("flipProbability: NaN"), e.getMessage());
    }
}
