package org.coft.datavec.image;

/**
 * An image as decoded, converted to 8-bit RGB, plus what it was before conversion.
 *
 * @param image  the pixels after Pillow-style {@code convert("RGB")}
 * @param format the container format as named by the decoder (for example {@code png}, {@code jpeg})
 * @param layout the stored colour layout before conversion
 */
public record DecodedImage(RgbImage image, String format, ColourLayout layout) {

    /** Colour layout of the stored image. */
    public enum ColourLayout {
        /** Three colour channels, no alpha. */
        RGB,
        /** Three colour channels plus alpha (alpha is dropped, not composited, as Pillow does). */
        RGB_ALPHA,
        /** One grey channel (replicated to R, G, B). */
        GRAY,
        /** One grey channel plus alpha. */
        GRAY_ALPHA,
        /** Palette indices (looked up in the palette; palette transparency ignored). */
        PALETTE
    }
}
