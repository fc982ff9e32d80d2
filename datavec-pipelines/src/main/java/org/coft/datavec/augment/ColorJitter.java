package org.coft.datavec.augment;

import org.coft.datavec.image.RgbImage;

import java.util.random.RandomGenerator;

/**
 * torchvision-style colour jitter on 8-bit RGB: brightness (blend with black), contrast (blend with the mean
 * grey level), saturation (blend with the grey image), hue (rotate in HSV), applied in a random order with
 * factors drawn per sample. Results are rounded and clamped to 0..255 after each step. This follows
 * torchvision's definitions; it is not bit-exact with Pillow's {@code ImageEnhance}.
 */
final class ColorJitter {

    private ColorJitter() {
    }

    static RgbImage apply(RgbImage image, AugmentationConfig config, RandomGenerator rng) {
        int[] order = {0, 1, 2, 3};
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double b = factor(rng, config.brightness());
        double c = factor(rng, config.contrast());
        double s = factor(rng, config.saturation());
        double h = config.hue() > 0 ? -config.hue() + 2 * config.hue() * rng.nextDouble() : 0;
        byte[] px = image.pixels().clone();
        for (int op : order) {
            switch (op) {
                case 0 -> {
                    if (config.brightness() > 0) {
                        blend(px, null, 0, b);
                    }
                }
                case 1 -> {
                    if (config.contrast() > 0) {
                        blend(px, null, meanGrey(px), c);
                    }
                }
                case 2 -> {
                    if (config.saturation() > 0) {
                        blend(px, grey(px), 0, s);
                    }
                }
                default -> {
                    if (config.hue() > 0) {
                        shiftHue(px, h);
                    }
                }
            }
        }
        return new RgbImage(image.width(), image.height(), px);
    }

    private static double factor(RandomGenerator rng, double strength) {
        if (strength <= 0) {
            return 1.0;
        }
        double lo = Math.max(0, 1 - strength);
        return lo + (1 + strength - lo) * rng.nextDouble();
    }

    /** px = other + f * (px - other), where other is a per-pixel grey image or a constant. */
    private static void blend(byte[] px, int[] otherPerPixel, double constant, double f) {
        for (int i = 0; i < px.length; i++) {
            double other = otherPerPixel != null ? otherPerPixel[i / 3] : constant;
            px[i] = clamp(other + f * ((px[i] & 0xFF) - other));
        }
    }

    private static int[] grey(byte[] px) {
        int[] g = new int[px.length / 3];
        for (int i = 0; i < g.length; i++) {
            g[i] = luma(px[3 * i] & 0xFF, px[3 * i + 1] & 0xFF, px[3 * i + 2] & 0xFF);
        }
        return g;
    }

    private static double meanGrey(byte[] px) {
        long sum = 0;
        for (int g : grey(px)) {
            sum += g;
        }
        return Math.floor((double) sum / (px.length / 3) + 0.5);
    }

    /** ITU-R 601-2 luma, as Pillow's {@code convert("L")}. */
    private static int luma(int r, int g, int b) {
        return (r * 299 + g * 587 + b * 114 + 500) / 1000;
    }

    private static void shiftHue(byte[] px, double shift) {
        float[] hsv = new float[3];
        for (int i = 0; i < px.length; i += 3) {
            java.awt.Color.RGBtoHSB(px[i] & 0xFF, px[i + 1] & 0xFF, px[i + 2] & 0xFF, hsv);
            float hue = (float) (hsv[0] + shift);
            hue -= (float) Math.floor(hue);
            int rgb = java.awt.Color.HSBtoRGB(hue, hsv[1], hsv[2]);
            px[i] = (byte) (rgb >> 16);
            px[i + 1] = (byte) (rgb >> 8);
            px[i + 2] = (byte) rgb;
        }
    }

    private static byte clamp(double v) {
        long r = Math.round(v);
        return (byte) (r < 0 ? 0 : Math.min(r, 255));
    }
}
