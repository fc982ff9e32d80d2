package org.coft.clip.preprocess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreprocessConfigTest {

    private static final String MEAN_STD = "\"image_mean\": [0.5, 0.25, 0.125], \"image_std\": [0.2, 0.3, 0.4]";

    @TempDir
    Path dir;

    private PreprocessConfig hf(String json) throws IOException {
        Path file = dir.resolve("preprocessor_config.json");
        Files.writeString(file, json);
        return PreprocessConfig.fromHuggingFace(file);
    }

    @Test
    void clipDefaultIsOpenAiTransform() {
        PreprocessConfig c = PreprocessConfig.clipDefault(224);
        assertEquals(ResizeMode.SHORTEST_EDGE, c.resizeMode());
        assertEquals(224, c.imageSize());
        assertEquals(224, c.outputHeight());
        assertEquals(224, c.outputWidth());
        assertEquals(Interpolation.BICUBIC, c.interpolation());
        assertArrayEquals(PreprocessConfig.OPENAI_MEAN, c.mean());
        assertArrayEquals(PreprocessConfig.OPENAI_STD, c.std());
        assertTrue(c.convertRgb() && c.doCenterCrop() && c.doNormalize());
    }

    @Test
    void oldFeatureExtractorFormatWithIntSizes() throws IOException {
        PreprocessConfig c = hf("{\"crop_size\": 224, \"do_center_crop\": true, \"do_normalize\": true, "
                + "\"do_resize\": true, \"feature_extractor_type\": \"CLIPFeatureExtractor\", " + MEAN_STD
                + ", \"resample\": 3, \"size\": 224}");
        assertEquals(ResizeMode.SHORTEST_EDGE, c.resizeMode());
        assertEquals(224, c.imageSize());
        assertEquals(224, c.cropHeight());
        assertEquals(224, c.cropWidth());
        assertArrayEquals(new double[] {0.5, 0.25, 0.125}, c.mean());
        assertArrayEquals(new double[] {0.2, 0.3, 0.4}, c.std());
    }

    @Test
    void imageProcessorFormatWithDicts() throws IOException {
        PreprocessConfig c = hf("{\"crop_size\": {\"height\": 336, \"width\": 320}, \"do_convert_rgb\": false, "
                + "\"do_rescale\": true, \"rescale_factor\": 0.00392156862745098, \"resample\": 2, "
                + "\"size\": {\"shortest_edge\": 336}, \"image_processor_type\": \"CLIPImageProcessor\"}");
        assertEquals(336, c.imageSize());
        assertEquals(336, c.cropHeight());
        assertEquals(320, c.cropWidth());
        assertEquals(Interpolation.BILINEAR, c.interpolation());
        assertFalse(c.convertRgb());
        assertArrayEquals(PreprocessConfig.OPENAI_MEAN, c.mean(), "missing mean falls back to OpenAI's");
    }

    @Test
    void heightWidthSizeIsExactResize() throws IOException {
        PreprocessConfig c = hf("{\"size\": {\"height\": 64, \"width\": 48}, \"do_center_crop\": false, "
                + "\"resample\": 0}");
        assertEquals(ResizeMode.EXACT, c.resizeMode());
        assertEquals(64, c.resizeHeight());
        assertEquals(48, c.resizeWidth());
        assertEquals(Interpolation.NEAREST, c.interpolation());
        assertEquals(64, c.outputHeight());
        assertEquals(48, c.outputWidth());
        assertEquals(new PreprocessConfig.Size(48, 64), c.resizedSize(1000, 3));
    }

    @Test
    void emptyObjectGivesClipImageProcessorDefaults() throws IOException {
        assertEquals(PreprocessConfig.clipDefault(224), hf("{}"));
    }

    @Test
    void noResizeNoCropHasNoFixedOutputSize() throws IOException {
        PreprocessConfig c = hf("{\"do_resize\": false, \"do_center_crop\": false}");
        assertEquals(ResizeMode.NONE, c.resizeMode());
        assertFalse(c.hasFixedOutputSize());
        IllegalStateException e = assertThrows(IllegalStateException.class, c::outputHeight);
        assertTrue(e.getMessage().contains("depends on each image"), e.getMessage());
    }

    @Test
    void unsupportedValuesNameFileFieldAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hf("{\"resample\": 1}"));
        assertTrue(e.getMessage().contains("preprocessor_config.json"), e.getMessage());
        assertTrue(e.getMessage().contains("resample") && e.getMessage().contains("1")
                && e.getMessage().contains("3=BICUBIC"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> hf("{\"size\": {\"longest_edge\": 5}}"));
        assertTrue(e.getMessage().contains("size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> hf("{\"rescale_factor\": 0.5}"));
        assertTrue(e.getMessage().contains("rescale_factor: 0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> hf("{\"image_std\": [1, 0, 1]}"));
        assertTrue(e.getMessage().contains("std") && e.getMessage().contains("> 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> hf("{\"size\": 0}"));
        assertTrue(e.getMessage().contains("imageSize: 0 is out of range [1, 16384]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> hf("{\"crop_size\": \"big\"}"));
        assertTrue(e.getMessage().contains("crop_size: \"big\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> hf("[1, 2]"));
        assertTrue(e.getMessage().contains("JSON object"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> hf("{not json"));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void constructorValidation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PreprocessConfig(ResizeMode.SHORTEST_EDGE, 224, 10, 0, true, 224, 224, true,
                        PreprocessConfig.OPENAI_MEAN, PreprocessConfig.OPENAI_STD, Interpolation.BICUBIC, true));
        assertTrue(e.getMessage().startsWith("resizeHeight: 10 must be 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PreprocessConfig.clipDefault(224).withNormalization(new double[] {1, 2}, new double[3]));
        assertTrue(e.getMessage().startsWith("mean: [1.0, 2.0] must hold exactly 3 values"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PreprocessConfig.clipDefault(224).withCenterCrop(0, 5));
        assertTrue(e.getMessage().startsWith("cropHeight: 0 is out of range"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PreprocessConfig.clipDefault(224).withInterpolation(null));
        assertTrue(e.getMessage().startsWith("interpolation: must not be null"), e.getMessage());
    }

    @Test
    void arraysAreDefensivelyCopied() {
        double[] mean = {0.1, 0.2, 0.3};
        PreprocessConfig c = PreprocessConfig.clipDefault(32).withNormalization(mean, new double[] {1, 1, 1});
        mean[0] = 9;
        c.mean()[1] = 9;
        assertArrayEquals(new double[] {0.1, 0.2, 0.3}, c.mean());
    }

    @Test
    void shortestEdgeResizeTruncatesLikeTorchvision() {
        PreprocessConfig c = PreprocessConfig.clipDefault(224);
        assertEquals(new PreprocessConfig.Size(224, 298), c.resizedSize(480, 640));
        assertEquals(new PreprocessConfig.Size(298, 224), c.resizedSize(640, 480));
        assertEquals(new PreprocessConfig.Size(224, 224), c.resizedSize(10, 10));
        // 224 * 333 / 100 = 745.92 -> 745
        assertEquals(new PreprocessConfig.Size(745, 224), c.resizedSize(333, 100));
        assertThrows(IllegalArgumentException.class, () -> c.resizedSize(0, 4));
    }

    @Test
    void jsonRoundTrip() {
        PreprocessConfig c = PreprocessConfig.clipDefault(32).withCenterCrop(30, 28)
                .withInterpolation(Interpolation.BILINEAR);
        String json = c.toJson();
        assertTrue(json.contains("\"interpolation\" : \"BILINEAR\""), json);
        assertEquals(c, PreprocessConfig.fromJson(json));
        assertEquals(c.hashCode(), PreprocessConfig.fromJson(json).hashCode());
    }

    @Test
    void fromJsonRejectsBadValuesAndUnknownFields() {
        String json = PreprocessConfig.clipDefault(32).toJson();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PreprocessConfig.fromJson(json.replace("\"imageSize\" : 32", "\"imageSize\" : -3")));
        assertTrue(e.getMessage().contains("imageSize: -3 is out of range"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PreprocessConfig.fromJson(json.replace("{", "{\"colour\": 1,")));
        assertTrue(e.getMessage().contains("colour"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PreprocessConfig.fromJson(json.replace("\"BICUBIC\"", "\"LANCZOS\"")));
        assertTrue(e.getMessage().contains("LANCZOS"), e.getMessage());
    }

    @Test
    void pilCodes() {
        assertEquals(Interpolation.BICUBIC, Interpolation.fromPilCode(3));
        assertEquals(Interpolation.BILINEAR, Interpolation.fromPilCode(2));
        assertEquals(Interpolation.NEAREST, Interpolation.fromPilCode(0));
        assertThrows(IllegalArgumentException.class, () -> Interpolation.fromPilCode(5));
    }
}
