package org.coft.clip.preprocess;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * How images are turned into model input for one CLIP model: convert to RGB, resize, center crop, scale to
 * [0, 1], normalise per channel. Immutable; validated on construction.
 *
 * <p>Order of operations (as in OpenAI CLIP's torchvision transform and Hugging Face's
 * {@code CLIPImageProcessor}): convert to RGB, resize with {@link #interpolation()}, center crop to
 * {@link #cropHeight()} x {@link #cropWidth()}, divide by 255, subtract {@link #mean()} and divide by
 * {@link #std()} per channel. Channel order of {@code mean}/{@code std} is R, G, B.
 *
 * @param resizeMode    how to resize: {@link ResizeMode#SHORTEST_EDGE} (keep aspect), {@link ResizeMode#EXACT}
 *                      or {@link ResizeMode#NONE}
 * @param imageSize     shortest-side target in pixels, 1..16384, when {@code resizeMode} is SHORTEST_EDGE; else 0
 * @param resizeHeight  target height in pixels, 1..16384, when {@code resizeMode} is EXACT; else 0
 * @param resizeWidth   target width in pixels, 1..16384, when {@code resizeMode} is EXACT; else 0
 * @param doCenterCrop  whether to center-crop after resizing (images smaller than the crop are zero-padded, as
 *                      torchvision does)
 * @param cropHeight    crop height in pixels, 1..16384, when {@code doCenterCrop}; else 0
 * @param cropWidth     crop width in pixels, 1..16384, when {@code doCenterCrop}; else 0
 * @param doNormalize   whether to subtract {@code mean} and divide by {@code std} after scaling to [0, 1]
 * @param mean          three finite per-channel means (R, G, B) in [0, 1] units
 * @param std           three finite, strictly positive per-channel standard deviations (R, G, B)
 * @param interpolation resampling filter for the resize
 * @param convertRgb    whether non-RGB images (grayscale, palette, with alpha) are converted to RGB as Pillow's
 *                      {@code convert("RGB")} does (alpha dropped, gray replicated); when false such images are
 *                      rejected as bad input
 */
public record PreprocessConfig(
        ResizeMode resizeMode,
        int imageSize,
        int resizeHeight,
        int resizeWidth,
        boolean doCenterCrop,
        int cropHeight,
        int cropWidth,
        boolean doNormalize,
        double[] mean,
        double[] std,
        Interpolation interpolation,
        boolean convertRgb) {

    /** Largest accepted size or crop side, in pixels. */
    public static final int MAX_SIDE = 16384;
    /** OpenAI CLIP's per-channel mean (R, G, B). */
    public static final double[] OPENAI_MEAN = {0.48145466, 0.4578275, 0.40821073};
    /** OpenAI CLIP's per-channel standard deviation (R, G, B). */
    public static final double[] OPENAI_STD = {0.26862954, 0.26130258, 0.27577711};

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    /** Validates every field; copies the arrays. */
    public PreprocessConfig {
        requireNonNull(resizeMode, "resizeMode", "one of " + Arrays.toString(ResizeMode.values()));
        requireNonNull(interpolation, "interpolation", "one of " + Arrays.toString(Interpolation.values()));
        switch (resizeMode) {
            case SHORTEST_EDGE -> {
                checkSide("imageSize", imageSize);
                checkZero("resizeHeight", resizeHeight, "resizeMode is SHORTEST_EDGE");
                checkZero("resizeWidth", resizeWidth, "resizeMode is SHORTEST_EDGE");
            }
            case EXACT -> {
                checkZero("imageSize", imageSize, "resizeMode is EXACT");
                checkSide("resizeHeight", resizeHeight);
                checkSide("resizeWidth", resizeWidth);
            }
            case NONE -> {
                checkZero("imageSize", imageSize, "resizeMode is NONE");
                checkZero("resizeHeight", resizeHeight, "resizeMode is NONE");
                checkZero("resizeWidth", resizeWidth, "resizeMode is NONE");
            }
        }
        if (doCenterCrop) {
            checkSide("cropHeight", cropHeight);
            checkSide("cropWidth", cropWidth);
        } else {
            checkZero("cropHeight", cropHeight, "doCenterCrop is false");
            checkZero("cropWidth", cropWidth, "doCenterCrop is false");
        }
        mean = checkTriple("mean", mean, false);
        std = checkTriple("std", std, true);
    }

    /**
     * OpenAI CLIP's preprocessing for a square model input: shortest side to {@code size} with bicubic
     * resampling, center crop {@code size x size}, OpenAI mean/std, convert to RGB.
     *
     * @param size input resolution of the model, 1..16384 (224 for ViT-B/32, ViT-B/16, ViT-L/14)
     * @return the configuration
     */
    public static PreprocessConfig clipDefault(int size) {
        return new PreprocessConfig(ResizeMode.SHORTEST_EDGE, size, 0, 0, true, size, size, true,
                OPENAI_MEAN, OPENAI_STD, Interpolation.BICUBIC, true);
    }

    /** @return a copy of this configuration using {@code value} as the resampling filter */
    public PreprocessConfig withInterpolation(Interpolation value) {
        return new PreprocessConfig(resizeMode, imageSize, resizeHeight, resizeWidth, doCenterCrop, cropHeight,
                cropWidth, doNormalize, mean, std, value, convertRgb);
    }

    /** @return a copy of this configuration with a center crop of {@code height x width} */
    public PreprocessConfig withCenterCrop(int height, int width) {
        return new PreprocessConfig(resizeMode, imageSize, resizeHeight, resizeWidth, true, height, width,
                doNormalize, mean, std, interpolation, convertRgb);
    }

    /** @return a copy of this configuration with the given per-channel mean and std (R, G, B) */
    public PreprocessConfig withNormalization(double[] newMean, double[] newStd) {
        return new PreprocessConfig(resizeMode, imageSize, resizeHeight, resizeWidth, doCenterCrop, cropHeight,
                cropWidth, true, newMean, newStd, interpolation, convertRgb);
    }

    /** @return the per-channel mean (a copy) */
    @Override
    public double[] mean() {
        return mean.clone();
    }

    /** @return the per-channel standard deviation (a copy) */
    @Override
    public double[] std() {
        return std.clone();
    }

    /**
     * @return true when every image comes out with the same height and width (a center crop or an EXACT
     * resize), which batching requires
     */
    public boolean hasFixedOutputSize() {
        return doCenterCrop || resizeMode == ResizeMode.EXACT;
    }

    /**
     * @return the output height of every image
     * @throws IllegalStateException if the output size depends on the image ({@link #hasFixedOutputSize()})
     */
    public int outputHeight() {
        requireFixedOutput();
        return doCenterCrop ? cropHeight : resizeHeight;
    }

    /**
     * @return the output width of every image
     * @throws IllegalStateException if the output size depends on the image ({@link #hasFixedOutputSize()})
     */
    public int outputWidth() {
        requireFixedOutput();
        return doCenterCrop ? cropWidth : resizeWidth;
    }

    /**
     * Size of an image after the resize step (before cropping). For SHORTEST_EDGE the shorter side becomes
     * {@link #imageSize()} and the longer side {@code (int) (imageSize * long / short)}, truncated as
     * torchvision and Hugging Face do.
     *
     * @param width  source width, at least 1
     * @param height source height, at least 1
     * @return the resized size
     */
    public Size resizedSize(int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size: width and height must be >= 1, got " + width + "x"
                    + height);
        }
        return switch (resizeMode) {
            case NONE -> new Size(width, height);
            case EXACT -> new Size(resizeWidth, resizeHeight);
            case SHORTEST_EDGE -> {
                int shortSide = Math.min(width, height);
                int longSide = Math.max(width, height);
                int newLong = (int) ((double) imageSize * longSide / shortSide);
                yield width <= height ? new Size(imageSize, newLong) : new Size(newLong, imageSize);
            }
        };
    }

    /**
     * Reads a Hugging Face {@code preprocessor_config.json} ({@code CLIPImageProcessor} or the older
     * {@code CLIPFeatureExtractor}). Understands {@code size} as an int, {@code {"shortest_edge": N}} or
     * {@code {"height": H, "width": W}}; {@code crop_size} as an int or {@code {"height", "width"}};
     * {@code resample} as Pillow codes 0, 2, 3; {@code do_resize}, {@code do_center_crop},
     * {@code do_normalize}, {@code do_convert_rgb}, {@code image_mean}, {@code image_std}. Missing fields take
     * {@code CLIPImageProcessor}'s defaults (224, bicubic, OpenAI mean/std). {@code do_rescale} must be true
     * with {@code rescale_factor} 1/255 (the only rescale this pipeline implements).
     *
     * @param file the JSON file
     * @return the configuration
     * @throws IOException              if the file cannot be read
     * @throws IllegalArgumentException if the file is not valid JSON or holds an unsupported value (the message
     *                                  names the file, the field and the value)
     */
    public static PreprocessConfig fromHuggingFace(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        try {
            return HuggingFaceConfigParser.parse(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** @return this configuration as JSON (the record's field names; readable by {@link #fromJson(String)}) */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + this, e);
        }
    }

    /**
     * @param json text written by {@link #toJson()} (all fields required, unknown fields rejected)
     * @return the configuration
     * @throws IllegalArgumentException if the text is malformed or a value is invalid
     */
    public static PreprocessConfig fromJson(String json) {
        try {
            return JSON.readValue(json, PreprocessConfig.class);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException iae) {
                throw new IllegalArgumentException("preprocess config JSON: " + iae.getMessage(), e);
            }
            throw new IllegalArgumentException("preprocess config JSON: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreprocessConfig c
                && resizeMode == c.resizeMode && imageSize == c.imageSize
                && resizeHeight == c.resizeHeight && resizeWidth == c.resizeWidth
                && doCenterCrop == c.doCenterCrop && cropHeight == c.cropHeight && cropWidth == c.cropWidth
                && doNormalize == c.doNormalize && Arrays.equals(mean, c.mean) && Arrays.equals(std, c.std)
                && interpolation == c.interpolation && convertRgb == c.convertRgb;
    }

    @Override
    public int hashCode() {
        return Objects.hash(resizeMode, imageSize, resizeHeight, resizeWidth, doCenterCrop, cropHeight, cropWidth,
                doNormalize, Arrays.hashCode(mean), Arrays.hashCode(std), interpolation, convertRgb);
    }

    @Override
    public String toString() {
        String resize = switch (resizeMode) {
            case SHORTEST_EDGE -> "shortestEdge=" + imageSize;
            case EXACT -> "exact=" + resizeHeight + "x" + resizeWidth;
            case NONE -> "noResize";
        };
        return "PreprocessConfig[" + resize + ", " + interpolation
                + (doCenterCrop ? ", crop=" + cropHeight + "x" + cropWidth : ", noCrop")
                + (doNormalize ? ", mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) : ", noNormalize")
                + ", convertRgb=" + convertRgb + "]";
    }

    /** Width and height of an image in pixels. */
    public record Size(int width, int height) {
    }

    private void requireFixedOutput() {
        if (!hasFixedOutputSize()) {
            throw new IllegalStateException("output size depends on each image: " + this
                    + " has no center crop and no EXACT resize");
        }
    }

    private static void requireNonNull(Object value, String field, String allowed) {
        if (value == null) {
            throw new IllegalArgumentException(field + ": must not be null (allowed: " + allowed + ")");
        }
    }

    private static void checkSide(String field, int value) {
        if (value < 1 || value > MAX_SIDE) {
            throw new IllegalArgumentException(field + ": " + value + " is out of range [1, " + MAX_SIDE + "]");
        }
    }

    private static void checkZero(String field, int value, String because) {
        if (value != 0) {
            throw new IllegalArgumentException(field + ": " + value + " must be 0 when " + because);
        }
    }

    private static double[] checkTriple(String field, double[] values, boolean positive) {
        if (values == null || values.length != 3) {
            throw new IllegalArgumentException(field + ": " + (values == null ? "null" : Arrays.toString(values))
                    + " must hold exactly 3 values (R, G, B)");
        }
        for (double v : values) {
            if (!Double.isFinite(v) || (positive && v <= 0)) {
                throw new IllegalArgumentException(field + ": " + Arrays.toString(values) + " must be finite"
                        + (positive ? " and > 0" : "") + " in every channel");
            }
        }
        return values.clone();
    }
}
