package org.coft.cli.task;

import org.coft.datavec.random.SplitMix64;

/**
 * The {@code fashion-zoom} distribution shift: each image is shrunk about its centre by a fixed factor uniform in
 * [{@link #minScale}, {@link #maxScale}] and moved by a fixed offset that keeps the shrunk image inside the frame,
 * all drawn from SplitMix64 hashes of {@link #seed} and the image's index in the source. Sampling is bilinear at
 * pixel centres with black outside the image, rounded half up to 8 bits (the same sampler as {@link Rotation}).
 *
 * @param seed     the task seed
 * @param minScale the smallest scale factor
 * @param maxScale the largest scale factor (at most 1)
 */
record ZoomOut(long seed, double minScale, double maxScale) {
    ZoomOut {
        if (!(minScale > 0 && maxScale >= minScale && maxScale <= 1)) {
            throw new IllegalArgumentException("zoom-out scale range [" + minScale + ", " + maxScale
                    + "]: need 0 < min <= max <= 1");
        }
    }

    /** @return {scale, dx, dy} of the image with this source index (offsets in pixels, for a side of {@code side}) */
    double[] of(long index, int side) {
        double s = minScale + (maxScale - minScale) * SplitMix64.uniform(seed ^ (index * 3));
        double room = (1 - s) * side / 2.0;
        double dx = room * (2 * SplitMix64.uniform(seed ^ (index * 3 + 1)) - 1);
        double dy = room * (2 * SplitMix64.uniform(seed ^ (index * 3 + 2)) - 1);
        return new double[] {s, dx, dy};
    }

    /**
     * Shrinks and moves a grey image.
     *
     * @param gray   {@code width * height} unsigned bytes, row-major
     * @param width  width in pixels
     * @param height height in pixels
     * @param t      {scale, dx, dy} from {@link #of}
     * @return the shifted image, same size
     */
    static byte[] apply(byte[] gray, int width, int height, double[] t) {
        double s = t[0];
        double cx = (width - 1) / 2.0;
        double cy = (height - 1) / 2.0;
        byte[] out = new byte[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double sx = cx + (x - cx - t[1]) / s;
                double sy = cy + (y - cy - t[2]) / s;
                out[y * width + x] = Rotation.bilinear(gray, width, height, sx, sy);
            }
        }
        return out;
    }
}
