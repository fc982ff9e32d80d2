package org.coft.clip.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.coft.clip.Tensors;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.coft.clip.onnx.OnnxImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The micro-CLIP rebuilt in TensorFlow from its ONNX weights: our import of the frozen TF graph against TensorFlow's
 * outputs, against our import of {@code model.onnx} (same embeddings and logits within tolerance), and zero-shot
 * predictions on 300 Fashion-MNIST test images identical across TensorFlow, the TF import and the ONNX import (that
 * part needs {@code /usr/share/datasets/fashion-mnist}; skipped with the reason otherwise).
 */
class TfMicroClipParityTest {
    private static final Logger LOG = LoggerFactory.getLogger(TfMicroClipParityTest.class);
    static final List<String> CLASSES = MicroClipTf.CLASSES;
    static final int IMAGES = MicroClipTf.IMAGES;
    private static Path fx;
    private static Map<String, Map<String, INDArray>> inputs;
    private static INDArray labels;

    @BeforeAll
    static void generate() throws Exception {
        MicroClipTf.Fixture f = MicroClipTf.fixture();
        fx = f.dir();
        inputs = f.inputs();
        labels = f.labels();
    }

    private static OnnxGraph onnx() throws Exception {
        return new OnnxImporter().importModel(MicroClipTf.DIR.resolve("model.onnx"), ImportOptions.defaults()
                .withDim("sequence_length", 77).withDim("num_channels", 3).withDim("height", 28).withDim("width", 28));
    }

    @Test
    void frozenMicroClipMatchesTensorFlowAndTheOnnxImport() throws Exception {
        OnnxGraph tf = TfImporter.importModel(fx.resolve("frozen.pb"), TfOracle.textLength(77));
        OnnxGraph onnx = onnx();
        for (String set : new String[] {"b1", "b3"}) {
            Map<String, INDArray> ref = TfOracle.read(fx.resolve("reference.bin"), set);
            Map<String, INDArray> in = inputs.get(set);
            Map<String, INDArray> ours = tf.run(Map.of("input_ids", in.get("input_ids").castTo(DataType.INT),
                    "attention_mask", in.get("attention_mask").castTo(DataType.INT),
                    "pixel_values", in.get("pixel_values")));
            Map<String, INDArray> viaOnnx = onnx.run(in, List.copyOf(ref.keySet()));
            for (String o : ref.keySet()) {
                LOG.info("micro {} {}: TF import vs TensorFlow {}", set, o,
                        Tensors.assertClose("micro TF import " + set + " " + o, ours.get(o), ref.get(o), 1e-4, 1e-3));
                LOG.info("micro {} {}: TF import vs ONNX import {}", set, o,
                        Tensors.assertClose("micro TF vs ONNX " + set + " " + o, ours.get(o), viaOnnx.get(o), 1e-4,
                                1e-3));
            }
        }
    }

    @Test
    void savedModelImportEqualsTheFrozenImport() throws Exception {
        OnnxGraph frozen = TfImporter.importModel(fx.resolve("frozen.pb"), TfOracle.textLength(77));
        OnnxGraph saved = TfImporter.importModel(fx.resolve("saved_model"), TfOracle.textLength(77));
        Map<String, INDArray> in = inputs.get("b3");
        Map<String, INDArray> feed = Map.of("input_ids", in.get("input_ids").castTo(DataType.INT),
                "attention_mask", in.get("attention_mask").castTo(DataType.INT), "pixel_values", in.get("pixel_values"));
        Map<String, INDArray> a = frozen.run(feed);
        Map<String, INDArray> b = saved.run(feed);
        for (String o : a.keySet()) {
            Tensors.Diff d = Tensors.assertClose("micro saved_model vs frozen " + o, b.get(o), a.get(o), 0, 0);
            LOG.info("micro b3 {}: SavedModel import vs frozen import {}", o, d);
        }
    }

    @Test
    void zeroShotPredictionsAreIdenticalAcrossTensorFlowTheTfImportAndTheOnnxImport() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(inputs.containsKey("zs"), "Fashion-MNIST not installed at "
                + MicroClipTf.FASHION + " (apt-get install dataset-fashion-mnist); zero-shot comparison skipped");
        Map<String, INDArray> in = inputs.get("zs");
        INDArray tfRef = TfOracle.read(fx.resolve("reference.bin"), "zs").get("logits_per_image");
        OnnxGraph tf = TfImporter.importModel(fx.resolve("frozen.pb"), TfOracle.textLength(77));
        INDArray ours = tf.run(Map.of("input_ids", in.get("input_ids").castTo(DataType.INT),
                "attention_mask", in.get("attention_mask").castTo(DataType.INT),
                "pixel_values", in.get("pixel_values"))).get("logits_per_image");
        INDArray viaOnnx = onnx().run(in, List.of("logits_per_image")).get("logits_per_image");
        long[] pTf = tfRef.argMax(1).toLongVector();
        long[] pOurs = ours.argMax(1).toLongVector();
        long[] pOnnx = viaOnnx.argMax(1).toLongVector();
        LOG.info("micro zero-shot logits [{} images x {} classes]: TF import vs TensorFlow {}; vs ONNX import {}",
                IMAGES, CLASSES.size(), Tensors.diff(ours, tfRef, 1e-4, 1e-3), Tensors.diff(ours, viaOnnx, 1e-4, 1e-3));
        assertArrayEquals(pTf, pOurs, "TF import vs TensorFlow predictions");
        assertArrayEquals(pOnnx, pOurs, "TF import vs ONNX import predictions");
        long correct = 0;
        long[] y = labels.toLongVector();
        for (int i = 0; i < y.length; i++) {
            correct += pOurs[i] == y[i] ? 1 : 0;
        }
        double acc = correct / (double) y.length;
        LOG.info("micro zero-shot accuracy on the first {} Fashion-MNIST test images: {}", IMAGES, acc);
        // the model card reports 86.7 % on the first 2,000 clean test images
        assertTrue(acc > 0.7, "zero-shot accuracy " + acc + " is far below the model card's");
    }
}
