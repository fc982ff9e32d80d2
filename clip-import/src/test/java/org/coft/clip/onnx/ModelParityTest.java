package org.coft.clip.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.coft.clip.Fixtures;
import org.coft.clip.Tensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whole-model parity against the PyTorch reference outputs saved by {@code tools/fixtures/make_clip_fixtures.py}:
 * every exported architecture and opset, batch 1 and batch 3 through ONE import (dynamic batch).
 */
class ModelParityTest {
    private static final Logger LOG = LoggerFactory.getLogger(ModelParityTest.class);
    static final double ATOL = 1e-4;
    static final double RTOL = 1e-3;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("clip-tiny-hf/model.onnx", "clip-tiny-hf_model"),
                Arguments.of("clip-tiny-hf/text_model.onnx", "clip-tiny-hf_text_model"),
                Arguments.of("clip-tiny-hf/vision_model.onnx", "clip-tiny-hf_vision_model"),
                Arguments.of("onnx/hf_opset14.onnx", "hf_opset14"),
                Arguments.of("onnx/hf_text_opset14.onnx", "hf_text_opset14"),
                Arguments.of("onnx/hf_vision_opset14.onnx", "hf_vision_opset14"),
                Arguments.of("onnx/openai_vit_opset14.onnx", "openai_vit_opset14"),
                Arguments.of("onnx/openai_vit_opset17.onnx", "openai_vit_opset17"),
                Arguments.of("onnx/openai_rn_opset14.onnx", "openai_rn_opset14"),
                Arguments.of("onnx/openai_rn_opset17.onnx", "openai_rn_opset17"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("models")
    void matchesPyTorchAtTwoBatchSizes(String model, String ref) throws Exception {
        Path file = Fixtures.path(model);
        OnnxGraph g = new OnnxImporter().importModel(file, ImportOptions.defaults()
                .withDim("sequence_length", 77).withDim("num_channels", 3)
                .withDim("height", imageSize(file)).withDim("width", imageSize(file)));
        LOG.info("{}: {} ONNX ops -> {} runtime ops ({} SameDiff ops), folded {}, fusions {}", model,
                g.report().onnxOpCount(), g.report().runtimeOpCount(), g.report().sameDiffOps(), g.report().folded(),
                g.report().fusions());
        for (String batch : new String[] {"b1", "b3"}) {
            Path dir = Fixtures.path("ref", ref, batch);
            Map<String, INDArray> inputs = new LinkedHashMap<>();
            for (String in : g.inputNames()) {
                inputs.put(in, Fixtures.npy(dir.resolve(in + ".npy")));
            }
            Map<String, INDArray> out = g.run(inputs);
            assertEquals(g.outputNames().size(), out.size());
            for (String o : g.outputNames()) {
                Tensors.Diff d = Tensors.assertClose(model + " " + batch + " " + o, out.get(o),
                        Fixtures.npy(dir.resolve(o + ".npy")), ATOL, RTOL);
                LOG.info("{} {} {}: {}", model, batch, o, d);
            }
        }
        assertTrue(g.report().runtimeOpCount() < g.report().onnxOpCount(), "folding/fusion shrank the graph");
    }

    static long imageSize(Path model) throws IOException {
        return model.toString().contains("_rn_") ? 64 : 32;
    }
}
