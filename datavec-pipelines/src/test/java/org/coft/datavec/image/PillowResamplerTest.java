package org.coft.datavec.image;

import org.coft.clip.preprocess.Interpolation;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PillowResamplerTest {

    private static RgbImage noise(int w, int h, long seed) {
        byte[] px = new byte[w * h * 3];
        new Random(seed).nextBytes(px);
        return new RgbImage(w, h, px);
    }

    @Test
    void windowEqualsResizeThenCrop() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 60; trial++) {
            RgbImage src = noise(1 + rnd.nextInt(70), 1 + rnd.nextInt(70), trial);
            int w = 1 + rnd.nextInt(90);
            int h = 1 + rnd.nextInt(90);
            int cw = 1 + rnd.nextInt(w);
            int ch = 1 + rnd.nextInt(h);
            int left = rnd.nextInt(w - cw + 1);
            int top = rnd.nextInt(h - ch + 1);
            for (Interpolation f : Interpolation.values()) {
                RgbImage full = PillowResampler.resize(src, w, h, f);
                RgbImage window = PillowResampler.resizeWindow(src, w, h, f, left, top, cw, ch);
                assertArrayEquals(full.crop(left, top, cw, ch).pixels(), window.pixels(),
                        f + " " + src + " -> " + w + "x" + h + " window " + cw + "x" + ch + "@" + left + "," + top);
            }
        }
    }

    @Test
    void constantImageStaysConstant() {
        byte[] px = new byte[30 * 20 * 3];
        java.util.Arrays.fill(px, (byte) 200);
        RgbImage out = PillowResampler.resize(new RgbImage(30, 20, px), 7, 45, Interpolation.BICUBIC);
        for (byte b : out.pixels()) {
            assertEquals(200, b & 0xFF);
        }
    }

    @Test
    void sameSizeIsIdentityAndBadSizesAreRejected() {
        RgbImage src = noise(5, 4, 1);
        assertSame(src, PillowResampler.resize(src, 5, 4, Interpolation.BICUBIC));
        assertThrows(IllegalArgumentException.class, () -> PillowResampler.resize(src, 0, 4, Interpolation.BILINEAR));
        assertThrows(IllegalArgumentException.class,
                () -> PillowResampler.resizeWindow(src, 8, 8, Interpolation.BILINEAR, 5, 0, 4, 4));
    }

    @Test
    void centerCropPadsLikeTorchvision() {
        RgbImage src = noise(9, 12, 2);
        RgbImage out = ClipImagePreprocessor.centerCrop(src, 10, 16);
        // width: pad left (16 - 9) / 2 = 3, right 4; height: no padding, top = round((12 - 10) / 2) = 1
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 16; x++) {
                int expected = x < 3 || x >= 12 ? 0 : src.sample(x - 3, y + 1, 1);
                assertEquals(expected, out.sample(x, y, 1), "x=" + x + " y=" + y);
            }
        }
        // odd difference 3 rounds half to even: round(1.5) = 2
        RgbImage wide = noise(35, 32, 3);
        assertEquals(wide.sample(2, 0, 0), ClipImagePreprocessor.centerCrop(wide, 32, 32).sample(0, 0, 0));
        // difference 1: round(0.5) = 0
        RgbImage narrow = noise(33, 32, 4);
        assertEquals(narrow.sample(0, 0, 0), ClipImagePreprocessor.centerCrop(narrow, 32, 32).sample(0, 0, 0));
    }
}
