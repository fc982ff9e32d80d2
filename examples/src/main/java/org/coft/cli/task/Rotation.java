package org.coft.cli.task;

import org.coft.datavec.random.SplitMix64;

/**
 * The {@code fashion-shift} distribution shift: each image is rotated about its centre by a fixed angle whose
 * magnitude is uniform in [{@link #minDegrees}, {@link #maxDegrees}] and whose sign is random, both derived from
 * {@link #seed} and the image's index in the source (not its position in a subset). Sampling is bilinear at pixel
 * centres with black (0) outside the image, rounded half up to 8 bits. All arithmetic is IEEE double in a fixed
 * order ({@link StrictMath} for the trigonometry) so that {@code tools/reference-clip/tasks.py} reproduces the
 * pixels exactly.
 *
 * @param seed       the task seed
 * @param minDegrees the smallest rotation magnitude, degrees
 * @param maxDegrees the largest rotation magnitude, degrees
 */
record Rotation(long seed, double minDegrees, double maxDegrees) {
    Rotation {
        if (!(minDegrees >= 0 && maxDegrees >= minDegrees && maxDegrees <= 180)) {
            throw new IllegalArgumentException("rotation range [" + minDegrees + ", " + maxDegrees
                    + "] degrees: need 0 <= min <= max <= 180");
        }
    }

    /** @return the signed rotation, in degrees, of the image with this source index */
    double degreesOf(long index) {
        long h2 = SplitMix64.mix(seed ^ ((index << 1) | 1));
        double u = SplitMix64.uniform(seed ^ (index << 1));
        double magnitude = minDegrees + (maxDegrees - minDegrees) * u;
        return (h2 & 1) != 0 ? -magnitude : magnitude;
    }

    /**
     * Rotates a grey image.
     *
     * @param gray    {@code width * height} unsigned bytes, row-major
     * @param width   width in pixels
     * @param height  height in pixels
     * @param degrees the rotation
     * @return the rotated image, same size
     */
    static byte[] rotate(byte[] gray, int width, int height, double degrees) {
        double t = Math.toRadians(degrees);
        double c = StrictMath.cos(t);
        double s = StrictMath.sin(t);
        double cx = (width - 1) / 2.0;
        double cy = (height - 1) / 2.0;
        byte[] out = new byte[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double dx = x - cx;
                double dy = y - cy;
                double sx = cx + c * dx + s * dy;
                double sy = cy - s * dx + c * dy;
                out[y * width + x] = bilinear(gray, width, height, sx, sy);
            }
        }
        return out;
    }

    /** @return the bilinear sample at (sx, sy), black outside the image, rounded half up to 8 bits */
    static byte bilinear(byte[] gray, int width, int height, double sx, double sy) {
        double x0 = Math.floor(sx);
        double y0 = Math.floor(sy);
        double fx = sx - x0;
        double fy = sy - y0;
        int ix = (int) x0;
        int iy = (int) y0;
        double top = (1 - fx) * at(gray, width, height, ix, iy) + fx * at(gray, width, height, ix + 1, iy);
        double bottom = (1 - fx) * at(gray, width, height, ix, iy + 1) + fx * at(gray, width, height, ix + 1, iy + 1);
        double v = (1 - fy) * top + fy * bottom;
        return (byte) Math.max(0, Math.min(255, (int) Math.floor(v + 0.5)));
    }

    private static double at(byte[] gray, int width, int height, int x, int y) {
        return x < 0 || y < 0 || x >= width || y >= height ? 0.0 : gray[y * width + x] & 0xFF;
    }
}
