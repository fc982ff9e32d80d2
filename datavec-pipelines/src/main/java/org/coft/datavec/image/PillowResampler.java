package org.coft.datavec.image;

import org.coft.clip.preprocess.Interpolation;

import java.util.Objects;

/**
 * Resizes {@link RgbImage}s the way Pillow's {@code Image.resize} does for 8-bit RGB images, so that CLIP sees
 * the same pixels it saw in training (torchvision's {@code Resize} on PIL images calls Pillow).
 *
 * <p>BICUBIC and BILINEAR are separable convolutions: a horizontal pass (only over the rows the vertical pass
 * will read) into an intermediate 8-bit image, then a vertical pass. Each output pixel's weights are the
 * filter (bicubic with {@code a = -0.5}, support 2; or the triangle, support 1) sampled at the distance between
 * source pixel centres and the output pixel's centre mapped back into the source; when shrinking, the filter
 * is stretched by the scale factor (antialiasing). Weights are normalised to sum 1, converted to fixed point
 * with 22 fractional bits (rounded half away from zero), accumulated in 32-bit integers from a half-unit
 * rounding offset, shifted back and clamped to 0..255 — the clamp between the two passes included. A pass
 * whose dimension does not change is skipped. NEAREST maps output pixel centres into the source by repeated
 * addition of the scale, truncating, as Pillow's affine nearest-neighbour scaler does.
 *
 * <p>Written from the algorithm's description; verified against Pillow 9.4 outputs in the module's tests.
 * Thread-safe (stateless).
 */
public final class PillowResampler {

    /** Fractional bits of the fixed-point weights (32 bits minus 8 for the sample, minus 2 headroom). */
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double BICUBIC_A = -0.5;

    private PillowResampler() {
    }

    /**
     * @param src    the image
     * @param width  target width, at least 1
     * @param height target height, at least 1
     * @param filter the resampling filter
     * @return the resized image ({@code src} itself when the size is unchanged, as Pillow returns a copy)
     */
    public static RgbImage resize(RgbImage src, int width, int height, Interpolation filter) {
        return resizeWindow(src, width, height, filter, 0, 0, width, height);
    }

    /**
     * A window of the resized image, computed without resizing the rest: identical to {@code resize} followed
     * by a crop of {@code cropWidth x cropHeight} at ({@code left}, {@code top}), since every output pixel
     * depends only on its own weights.
     *
     * @param src        the image
     * @param width      full target width, at least 1
     * @param height     full target height, at least 1
     * @param filter     the resampling filter
     * @param left       window column in the resized image, 0..width-cropWidth
     * @param top        window row in the resized image, 0..height-cropHeight
     * @param cropWidth  window width, at least 1
     * @param cropHeight window height, at least 1
     * @return the window
     */
    public static RgbImage resizeWindow(RgbImage src, int width, int height, Interpolation filter, int left, int top,
                                        int cropWidth, int cropHeight) {
        Objects.requireNonNull(filter, "filter");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size: " + width + "x" + height + " must be >= 1x1");
        }
        if (cropWidth < 1 || cropHeight < 1 || left < 0 || top < 0 || left + cropWidth > width
                || top + cropHeight > height) {
            throw new IllegalArgumentException("window: " + cropWidth + "x" + cropHeight + " at (" + left + ", " + top
                    + ") does not fit in " + width + "x" + height);
        }
        if (width == src.width() && height == src.height()) {
            return src.crop(left, top, cropWidth, cropHeight);
        }
        return switch (filter) {
            case NEAREST -> nearest(src, width, height).crop(left, top, cropWidth, cropHeight);
            case BILINEAR -> convolve(src, width, height, 1.0, PillowResampler::triangle, left, top, cropWidth,
                    cropHeight);
            case BICUBIC -> convolve(src, width, height, 2.0, PillowResampler::bicubic, left, top, cropWidth,
                    cropHeight);
        };
    }

    // ---- convolution filters ---------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Kernel {
        double at(double x);
    }

    private static double bicubic(double x) {
        double t = Math.abs(x);
        if (t < 1.0) {
            return ((BICUBIC_A + 2.0) * t - (BICUBIC_A + 3.0)) * t * t + 1;
        }
        if (t < 2.0) {
            return (((t - 5) * t + 8) * t - 4) * BICUBIC_A;
        }
        return 0.0;
    }

    private static double triangle(double x) {
        double t = Math.abs(x);
        return t < 1.0 ? 1.0 - t : 0.0;
    }

    /** Fixed-point weights for one axis: output pixel i reads {@code count[i]} inputs from {@code first[i]}. */
    private record Weights(int[] first, int[] count, int[] weights, int stride) {
    }

    private static Weights weights(int inSize, int outSize, double support, Kernel kernel) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double reach = support * filterScale;
        int stride = (int) Math.ceil(reach) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] fixed = new int[outSize * stride];
        double[] k = new double[stride];
        double inverse = 1.0 / filterScale;
        for (int i = 0; i < outSize; i++) {
            double center = (i + 0.5) * scale;
            int lo = Math.max(0, (int) (center - reach + 0.5));
            int hi = Math.min(inSize, (int) (center + reach + 0.5));
            int n = hi - lo;
            double sum = 0.0;
            for (int j = 0; j < n; j++) {
                k[j] = kernel.at((j + lo - center + 0.5) * inverse);
                sum += k[j];
            }
            for (int j = 0; j < n; j++) {
                double w = sum != 0.0 ? k[j] / sum : k[j];
                fixed[i * stride + j] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                        : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
            first[i] = lo;
            count[i] = n;
        }
        return new Weights(first, count, fixed, stride);
    }

    private static RgbImage convolve(RgbImage src, int width, int height, double support, Kernel kernel, int left,
                                     int top, int cropWidth, int cropHeight) {
        boolean horizontal = width != src.width();
        boolean vertical = height != src.height();
        // As Pillow: the vertical weights decide which source rows the horizontal pass must produce.
        Weights v = vertical ? weights(src.height(), height, support, kernel) : null;
        int last = top + cropHeight - 1;
        int firstRow = vertical ? v.first[top] : top;
        int endRow = vertical ? v.first[last] + v.count[last] : top + cropHeight;
        RgbImage rows = horizontal
                ? horizontalPass(src, weights(src.width(), width, support, kernel), left, cropWidth, firstRow,
                endRow - firstRow)
                : src.crop(left, firstRow, cropWidth, endRow - firstRow);
        return vertical ? verticalPass(rows, v, top, cropHeight, firstRow) : rows;
    }

    /** Output columns {@code left..left+count-1} for source rows {@code firstRow..firstRow+rows-1}. */
    private static RgbImage horizontalPass(RgbImage src, Weights h, int left, int count, int firstRow, int rows) {
        byte[] in = src.pixels();
        byte[] out = new byte[count * rows * 3];
        int inWidth = src.width();
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < rows; y++) {
            int inRow = (y + firstRow) * inWidth * 3;
            int outRow = y * count * 3;
            for (int i = 0; i < count; i++) {
                int x = left + i;
                int r = half;
                int g = half;
                int b = half;
                int base = x * h.stride;
                int p = inRow + h.first[x] * 3;
                for (int j = 0; j < h.count[x]; j++, p += 3) {
                    int w = h.weights[base + j];
                    r += (in[p] & 0xFF) * w;
                    g += (in[p + 1] & 0xFF) * w;
                    b += (in[p + 2] & 0xFF) * w;
                }
                int o = outRow + i * 3;
                out[o] = clip8(r);
                out[o + 1] = clip8(g);
                out[o + 2] = clip8(b);
            }
        }
        return new RgbImage(count, rows, out);
    }

    /** Output rows {@code top..top+count-1}; {@code src} row 0 is source row {@code rowOffset}. */
    private static RgbImage verticalPass(RgbImage src, Weights v, int top, int count, int rowOffset) {
        byte[] in = src.pixels();
        int width = src.width();
        int rowBytes = width * 3;
        byte[] out = new byte[rowBytes * count];
        int half = 1 << (PRECISION_BITS - 1);
        int[] acc = new int[rowBytes];
        for (int i = 0; i < count; i++) {
            int y = top + i;
            java.util.Arrays.fill(acc, half);
            int base = y * v.stride;
            int firstRow = v.first[y] - rowOffset;
            for (int j = 0; j < v.count[y]; j++) {
                int w = v.weights[base + j];
                int p = (firstRow + j) * rowBytes;
                for (int k = 0; k < rowBytes; k++) {
                    acc[k] += (in[p + k] & 0xFF) * w;
                }
            }
            int o = i * rowBytes;
            for (int k = 0; k < rowBytes; k++) {
                out[o + k] = clip8(acc[k]);
            }
        }
        return new RgbImage(width, count, out);
    }

    private static byte clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    // ---- nearest neighbour -----------------------------------------------------------------------------------

    private static RgbImage nearest(RgbImage src, int width, int height) {
        int[] xs = nearestPositions(src.width(), width);
        int[] ys = nearestPositions(src.height(), height);
        byte[] in = src.pixels();
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            int inRow = ys[y] * src.width() * 3;
            int outRow = y * width * 3;
            for (int x = 0; x < width; x++) {
                System.arraycopy(in, inRow + xs[x] * 3, out, outRow + x * 3, 3);
            }
        }
        return new RgbImage(width, height, out);
    }

    /** Source index for each output index: centre mapped back by accumulating the scale, then truncated. */
    private static int[] nearestPositions(int inSize, int outSize) {
        double step = (double) inSize / outSize;
        double pos = step * 0.5;
        int[] idx = new int[outSize];
        for (int i = 0; i < outSize; i++) {
            idx[i] = Math.min(inSize - 1, Math.max(0, (int) pos));
            pos += step;
        }
        return idx;
    }
}
