package org.coft.clip.preprocess;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads the fields of a Hugging Face {@code preprocessor_config.json} into a {@link PreprocessConfig}.
 * Package-private: the public entry point is {@link PreprocessConfig#fromHuggingFace(java.nio.file.Path)}.
 */
final class HuggingFaceConfigParser {

    /** {@code CLIPImageProcessor}'s default resize/crop size. */
    private static final int HF_DEFAULT_SIZE = 224;
    private static final double RESCALE_1_255 = 1.0 / 255.0;

    private HuggingFaceConfigParser() {
    }

    static PreprocessConfig parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object at the top level");
        }
        checkRescale(root);

        boolean doResize = bool(root, "do_resize", true);
        ResizeMode mode = ResizeMode.NONE;
        int imageSize = 0;
        int resizeHeight = 0;
        int resizeWidth = 0;
        if (doResize) {
            JsonNode size = root.get("size");
            if (size == null || size.isNull()) {
                mode = ResizeMode.SHORTEST_EDGE;
                imageSize = HF_DEFAULT_SIZE;
            } else if (size.isIntegralNumber()) {
                mode = ResizeMode.SHORTEST_EDGE;
                imageSize = size.intValue();
            } else if (size.isObject() && size.has("shortest_edge")) {
                mode = ResizeMode.SHORTEST_EDGE;
                imageSize = intField(size, "size.shortest_edge");
                if (size.has("longest_edge") && !size.get("longest_edge").isNull()) {
                    throw new IllegalArgumentException("size.longest_edge: " + size.get("longest_edge")
                            + " is not supported (supported: size as int, {\"shortest_edge\": N} or "
                            + "{\"height\": H, \"width\": W})");
                }
            } else if (size.isObject() && size.has("height") && size.has("width")) {
                mode = ResizeMode.EXACT;
                resizeHeight = intField(size.get("height"), "size.height");
                resizeWidth = intField(size.get("width"), "size.width");
            } else {
                throw new IllegalArgumentException("size: " + size + " is not supported (supported: an int, "
                        + "{\"shortest_edge\": N} or {\"height\": H, \"width\": W})");
            }
        }

        boolean doCenterCrop = bool(root, "do_center_crop", true);
        int cropHeight = 0;
        int cropWidth = 0;
        if (doCenterCrop) {
            JsonNode crop = root.get("crop_size");
            if (crop == null || crop.isNull()) {
                cropHeight = HF_DEFAULT_SIZE;
                cropWidth = HF_DEFAULT_SIZE;
            } else if (crop.isIntegralNumber()) {
                cropHeight = crop.intValue();
                cropWidth = crop.intValue();
            } else if (crop.isObject() && crop.has("height") && crop.has("width")) {
                cropHeight = intField(crop.get("height"), "crop_size.height");
                cropWidth = intField(crop.get("width"), "crop_size.width");
            } else {
                throw new IllegalArgumentException("crop_size: " + crop + " is not supported (supported: an int or "
                        + "{\"height\": H, \"width\": W})");
            }
        }

        Interpolation interpolation = Interpolation.BICUBIC;
        JsonNode resample = root.get("resample");
        if (resample != null && !resample.isNull()) {
            if (!resample.isIntegralNumber()) {
                throw new IllegalArgumentException("resample: " + resample + " must be a Pillow resampling code "
                        + "(0=NEAREST, 2=BILINEAR, 3=BICUBIC)");
            }
            interpolation = Interpolation.fromPilCode(resample.intValue());
        }

        boolean doNormalize = bool(root, "do_normalize", true);
        double[] mean = triple(root, "image_mean", PreprocessConfig.OPENAI_MEAN);
        double[] std = triple(root, "image_std", PreprocessConfig.OPENAI_STD);
        boolean convertRgb = bool(root, "do_convert_rgb", true);
        return new PreprocessConfig(mode, imageSize, resizeHeight, resizeWidth, doCenterCrop, cropHeight, cropWidth,
                doNormalize, mean, std, interpolation, convertRgb);
    }

    private static void checkRescale(JsonNode root) {
        if (!bool(root, "do_rescale", true)) {
            throw new IllegalArgumentException("do_rescale: false is not supported (pixels are always scaled by "
                    + "1/255)");
        }
        JsonNode factor = root.get("rescale_factor");
        if (factor != null && !factor.isNull()) {
            if (!factor.isNumber() || Math.abs(factor.doubleValue() - RESCALE_1_255) > 1e-9) {
                throw new IllegalArgumentException("rescale_factor: " + factor + " is not supported (only 1/255 = "
                        + RESCALE_1_255 + ")");
            }
        }
    }

    private static boolean bool(JsonNode root, String field, boolean fallback) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw new IllegalArgumentException(field + ": " + node + " must be true or false");
        }
        return node.booleanValue();
    }

    private static int intField(JsonNode node, String field) {
        JsonNode value = node.isObject() ? node.get(field.substring(field.lastIndexOf('.') + 1)) : node;
        if (value == null || !value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException(field + ": " + value + " must be an integer in [1, "
                    + PreprocessConfig.MAX_SIDE + "]");
        }
        return value.intValue();
    }

    private static double[] triple(JsonNode root, String field, double[] fallback) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isArray() || node.size() != 3) {
            throw new IllegalArgumentException(field + ": " + node + " must be an array of 3 numbers (R, G, B)");
        }
        double[] out = new double[3];
        for (int i = 0; i < 3; i++) {
            if (!node.get(i).isNumber()) {
                throw new IllegalArgumentException(field + ": " + node + " must be an array of 3 numbers (R, G, B)");
            }
            out[i] = node.get(i).doubleValue();
        }
        return out;
    }
}
