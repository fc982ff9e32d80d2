package org.coft.datavec.image;

import java.util.Objects;

/**
 * An 8-bit RGB image: {@code width * height * 3} bytes, rows top to bottom, pixels interleaved R, G, B — what
 * Pillow holds after {@code convert("RGB")}. Treated as immutable: operations return new images, and callers
 * must not modify the array passed to the constructor or returned by {@link #pixels()}.
 */
public final class RgbImage {

    private final int width;
    private final int height;
    private final byte[] pixels;

    /**
     * @param width  width in pixels, at least 1
     * @param height height in pixels, at least 1
     * @param pixels {@code width * height * 3} bytes, interleaved RGB (not copied)
     */
    public RgbImage(int width, int height, byte[] pixels) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("width/height: " + width + "x" + height + " must both be >= 1");
        }
        Objects.requireNonNull(pixels, "pixels");
        if ((long) width * height * 3 != pixels.length) {
            throw new IllegalArgumentException("pixels: length " + pixels.length + " does not match " + width + "x"
                    + height + "x3 = " + ((long) width * height * 3));
        }
        this.width = width;
        this.height = height;
        this.pixels = pixels;
    }

    /** @return width in pixels */
    public int width() {
        return width;
    }

    /** @return height in pixels */
    public int height() {
        return height;
    }

    /** @return the interleaved RGB bytes (shared, do not modify) */
    public byte[] pixels() {
        return pixels;
    }

    /**
     * @param x column
     * @param y row
     * @param c channel 0 = R, 1 = G, 2 = B
     * @return the sample as 0..255
     */
    public int sample(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xFF;
    }

    /**
     * Cuts out a {@code w x h} window whose top-left corner is at ({@code left}, {@code top}); parts of the
     * window outside the image are black (zero), as torchvision's padding center crop gives.
     *
     * @return the window (this image if the window is the whole image)
     */
    public RgbImage crop(int left, int top, int w, int h) {
        if (left == 0 && top == 0 && w == width && h == height) {
            return this;
        }
        byte[] out = new byte[w * h * 3];
        int x0 = Math.max(0, left);
        int x1 = Math.min(width, left + w);
        if (x1 > x0) {
            for (int y = Math.max(0, top); y < Math.min(height, top + h); y++) {
                System.arraycopy(pixels, (y * width + x0) * 3, out, ((y - top) * w + (x0 - left)) * 3,
                        (x1 - x0) * 3);
            }
        }
        return new RgbImage(w, h, out);
    }

    /** @return this image mirrored left to right */
    public RgbImage flipHorizontal() {
        byte[] out = new byte[pixels.length];
        for (int y = 0; y < height; y++) {
            int row = y * width * 3;
            for (int x = 0; x < width; x++) {
                int src = row + x * 3;
                int dst = row + (width - 1 - x) * 3;
                out[dst] = pixels[src];
                out[dst + 1] = pixels[src + 1];
                out[dst + 2] = pixels[src + 2];
            }
        }
        return new RgbImage(width, height, out);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
