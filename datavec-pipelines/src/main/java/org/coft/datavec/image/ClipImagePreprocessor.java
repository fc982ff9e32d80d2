package org.coft.datavec.image;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.BadInputKind;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.Objects;

/**
 * CLIP's image preprocessing driven by a {@link PreprocessConfig}: RGB conversion (done by the decoder),
 * resize with Pillow's algorithm ({@link PillowResampler}), center crop with torchvision's offsets
 * ({@code round((size - crop) / 2)}, half to even; zero padding when the crop is larger than the image), then
 * {@code (v / 255 - mean[c]) / std[c]} in float32, written channel-first (CHW, R G B).
 *
 * <p>Immutable and thread-safe; one instance can serve many decoding threads.
 */
public final class ClipImagePreprocessor {

    private final PreprocessConfig config;
    /** Per channel, the float value for each 8-bit sample: (v / 255f - mean) / std, as torchvision computes it. */
    private final float[][] lookup = new float[3][256];

    /** @param config the model's preprocessing settings */
    public ClipImagePreprocessor(PreprocessConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        double[] mean = config.mean();
        double[] std = config.std();
        for (int c = 0; c < 3; c++) {
            float m = (float) mean[c];
            float s = (float) std[c];
            for (int v = 0; v < 256; v++) {
                float scaled = v / 255f;
                lookup[c][v] = config.doNormalize() ? (scaled - m) / s : scaled;
            }
        }
    }

    /** @return the configuration this preprocessor applies */
    public PreprocessConfig config() {
        return config;
    }

    /**
     * Checks that a decoded image is acceptable under {@link PreprocessConfig#convertRgb()}.
     *
     * @param decoded the decoded image
     * @return its pixels
     * @throws ImageDecodeException if the image was not stored as RGB and conversion is disabled
     */
    public RgbImage accept(DecodedImage decoded) throws ImageDecodeException {
        if (!config.convertRgb() && decoded.layout() != DecodedImage.ColourLayout.RGB) {
            throw new ImageDecodeException(BadInputKind.UNSUPPORTED_FORMAT, "image is " + decoded.layout() + ", not RGB, and the preprocessing "
                    + "config has convertRgb=false");
        }
        return decoded.image();
    }

    /**
     * Resize and center crop (no normalisation): the 8-bit pixels that Pillow + torchvision would hand to
     * {@code ToTensor}.
     *
     * @param image the RGB image
     * @return the resized and cropped image
     */
    public RgbImage resizeAndCrop(RgbImage image) {
        PreprocessConfig.Size size = config.resizedSize(image.width(), image.height());
        if (!config.doCenterCrop()) {
            return PillowResampler.resize(image, size.width(), size.height(), config.interpolation());
        }
        int ch = config.cropHeight();
        int cw = config.cropWidth();
        if (cw <= size.width() && ch <= size.height()) {
            // Only the cropped window is computed; identical to resizing everything and cropping.
            int left = (int) Math.rint((size.width() - cw) / 2.0);
            int top = (int) Math.rint((size.height() - ch) / 2.0);
            return PillowResampler.resizeWindow(image, size.width(), size.height(), config.interpolation(), left, top,
                    cw, ch);
        }
        RgbImage resized = PillowResampler.resize(image, size.width(), size.height(), config.interpolation());
        return centerCrop(resized, ch, cw);
    }

    /**
     * torchvision's center crop: offsets {@code round((h - ch) / 2.0)} (half to even) and, when the crop is larger
     * than the image, zero padding of {@code (ch - h) / 2} on top (floor) and the rest at the bottom.
     */
    static RgbImage centerCrop(RgbImage image, int cropHeight, int cropWidth) {
        int w = image.width();
        int h = image.height();
        int padLeft = cropWidth > w ? (cropWidth - w) / 2 : 0;
        int padTop = cropHeight > h ? (cropHeight - h) / 2 : 0;
        int paddedW = Math.max(w, cropWidth);
        int paddedH = Math.max(h, cropHeight);
        int left = (int) Math.rint((paddedW - cropWidth) / 2.0) - padLeft;
        int top = (int) Math.rint((paddedH - cropHeight) / 2.0) - padTop;
        return image.crop(left, top, cropWidth, cropHeight);
    }

    /**
     * Converts 8-bit pixels to normalised float32 CHW values without resizing.
     *
     * @param image  the (already resized and cropped) image
     * @param dest   destination array
     * @param offset where channel 0, row 0, column 0 goes; {@code 3 * h * w} floats are written
     */
    public void normalizeInto(RgbImage image, float[] dest, int offset) {
        int plane = image.width() * image.height();
        if (offset < 0 || dest.length - offset < 3L * plane) {
            throw new IllegalArgumentException("dest: " + dest.length + " floats cannot hold 3x" + image.height()
                    + "x" + image.width() + " at offset " + offset);
        }
        byte[] px = image.pixels();
        float[] r = lookup[0];
        float[] g = lookup[1];
        float[] b = lookup[2];
        for (int i = 0, p = 0; i < plane; i++, p += 3) {
            dest[offset + i] = r[px[p] & 0xFF];
            dest[offset + plane + i] = g[px[p + 1] & 0xFF];
            dest[offset + 2 * plane + i] = b[px[p + 2] & 0xFF];
        }
    }

    /**
     * Full preprocessing of an RGB image into a float array.
     *
     * @param image the RGB image
     * @return {@code 3 * H * W} floats, channel-first
     */
    public float[] preprocess(RgbImage image) {
        RgbImage out = resizeAndCrop(image);
        float[] dest = new float[3 * out.width() * out.height()];
        normalizeInto(out, dest, 0);
        return dest;
    }

    /**
     * Full preprocessing into an INDArray of shape {@code [3, H, W]} (float32).
     *
     * @param image the RGB image
     * @return the tensor
     */
    public INDArray toTensor(RgbImage image) {
        RgbImage out = resizeAndCrop(image);
        float[] dest = new float[3 * out.width() * out.height()];
        normalizeInto(out, dest, 0);
        return Nd4j.create(dest, new long[] {3, out.height(), out.width()}, DataType.FLOAT);
    }

    /**
     * Decode a file and preprocess it.
     *
     * @param file the image file
     * @return the tensor {@code [3, H, W]}
     * @throws ImageDecodeException if the file cannot be decoded or is rejected by {@link #accept}
     */
    public INDArray load(Path file) throws ImageDecodeException {
        DecodedImage decoded = ImageDecoder.decode(file);
        try {
            return toTensor(accept(decoded));
        } catch (ImageDecodeException e) {
            throw e.inFile(file);
        }
    }
}
