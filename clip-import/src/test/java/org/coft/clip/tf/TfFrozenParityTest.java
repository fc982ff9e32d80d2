package org.coft.clip.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.coft.clip.Tensors;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tiny random-weight CLIP built with TensorFlow Java, frozen, imported into SameDiff, against TensorFlow's own
 * outputs: batch 1 and batch 3 through ONE import.
 */
class TfFrozenParityTest {
    private static final Logger LOG = LoggerFactory.getLogger(TfFrozenParityTest.class);
    static final double ATOL = 1e-4;
    static final double RTOL = 1e-3;

    @Test
    void frozenTinyClipMatchesTensorFlowAtTwoBatchSizes() throws Exception {
        Path fx = TfOracle.tiny();
        OnnxGraph g = TfImporter.importModel(fx.resolve("frozen.pb"), ImportOptions.defaults());
        LOG.info("frozen tiny: {} IR ops -> {} runtime ops, fusions {}", g.report().onnxOpCount(),
                g.report().runtimeOpCount(), g.report().fusions());
        assertEquals(Map.of("layer-norm fusion", 11, "quick-gelu fusion", 4), Map.of(
                "layer-norm fusion", g.report().fusions().get("layer-norm fusion"),
                "quick-gelu fusion", g.report().fusions().get("quick-gelu fusion")),
                "every layer norm (2 per layer + final + pre + post) and quick GELU fused");
        for (String set : new String[] {"b1", "b3"}) {
            Map<String, INDArray> in = TfOracle.read(fx.resolve("inputs.bin"), set);
            Map<String, INDArray> ref = TfOracle.read(fx.resolve("reference.bin"), set);
            Map<String, INDArray> out = g.run(in);
            assertEquals(ref.keySet(), out.keySet());
            for (String o : ref.keySet()) {
                Tensors.Diff d = Tensors.assertClose("frozen " + set + " " + o, out.get(o), ref.get(o), ATOL, RTOL);
                LOG.info("frozen tiny {} {}: {}", set, o, d);
            }
        }
        assertTrue(g.report().runtimeOpCount() < g.report().onnxOpCount(), "folding and fusion shrank the graph");
    }
}
