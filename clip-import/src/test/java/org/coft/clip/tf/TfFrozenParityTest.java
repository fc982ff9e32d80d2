package org.coft.clip.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.coft.clip.Tensors;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tiny random-weight CLIP built with TensorFlow Java, frozen, imported into SameDiff, against TensorFlow's own
 * outputs: batch 1 and batch 3 through ONE import; with plain and with Keras-style layer norms.
 */
class TfFrozenParityTest {
    private static final Logger LOG = LoggerFactory.getLogger(TfFrozenParityTest.class);
    static final double ATOL = 1e-4;
    static final double RTOL = 1e-3;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain layer norms", "Keras layer norms"})
    void frozenTinyClipMatchesTensorFlowAtTwoBatchSizes(String variant) throws Exception {
        Path fx = variant.startsWith("Keras") ? TfOracle.tinyKeras() : TfOracle.tiny();
        OnnxGraph g = TfImporter.importModel(fx.resolve("frozen.pb"), TfOracle.textLength(12));
        LOG.info("frozen tiny ({}): {} IR ops -> {} runtime ops, fusions {}", variant, g.report().onnxOpCount(),
                g.report().runtimeOpCount(), g.report().fusions());
        // every layer norm (2 per layer + final + pre + post) and quick GELU fused: the plain ones by the shared
        // pass, the Keras ones already by the TF parser (KerasLayerNormFusion)
        long fusedLayerNorms = g.report().runtimeOps().getOrDefault("LayerNormalization", 0);
        assertEquals(11, fusedLayerNorms, g.report().runtimeOps().toString());
        assertEquals(4, g.report().fusions().get("quick-gelu fusion"));
        for (String set : new String[] {"b1", "b3"}) {
            Map<String, INDArray> in = TfOracle.read(fx.resolve("inputs.bin"), set);
            Map<String, INDArray> ref = TfOracle.read(fx.resolve("reference.bin"), set);
            Map<String, INDArray> out = g.run(in);
            assertEquals(ref.keySet(), out.keySet());
            for (String o : ref.keySet()) {
                Tensors.Diff d = Tensors.assertClose("frozen " + variant + " " + set + " " + o, out.get(o), ref.get(o),
                        ATOL, RTOL);
                LOG.info("frozen tiny ({}) {} {}: {}", variant, set, o, d);
            }
        }
        assertTrue(g.report().runtimeOpCount() < g.report().onnxOpCount(), "folding and fusion shrank the graph");
    }
}
