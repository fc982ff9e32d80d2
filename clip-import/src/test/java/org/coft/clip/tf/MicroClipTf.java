package org.coft.clip.tf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.parse.OnnxParser;
import org.coft.clip.tf.fixtures.TensorFile;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The micro-CLIP's real weights for the TF fixture generator, read from {@code models/micro-clip/model.onnx} with
 * the project's own ONNX parser and {@code param_map.json} (torch name → initializer), re-laid for TensorFlow
 * (the ONNX MatMul weights are already {@code [in, out]}; the patch filter goes OIHW → HWIO); and Fashion-MNIST
 * test images preprocessed the way the micro-CLIP's {@code preprocessor_config.json} says (28×28 needs no resize or
 * crop; grey replicated to RGB; CLIP mean/std).
 */
final class MicroClipTf {
    static final Path DIR = Path.of("..", "models", "micro-clip");
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    private MicroClipTf() {
    }

    static Map<String, TensorFile.Tensor> weights() throws Exception {
        IrGraph onnx = OnnxParser.parse(DIR.resolve("model.onnx"));
        JsonNode map = new ObjectMapper().readTree(DIR.resolve("param_map.json").toFile()).get("model.onnx");
        Map<String, TensorFile.Tensor> w = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String torch = e.getKey();
            if (torch.endsWith("position_ids")) {
                continue; // index buffers, not weights
            }
            INDArray v = onnx.constant(e.getValue().get("initializer").asText());
            if (v == null) {
                throw new IllegalStateException("initializer " + e.getValue().get("initializer") + " of " + torch
                        + " not in model.onnx");
            }
            if (torch.equals("vision_model.embeddings.patch_embedding.weight")) {
                v = v.permute(2, 3, 1, 0);
            }
            w.put(torch, TfOracle.tensor(v));
        }
        return w;
    }

    /** The first {@code n} Fashion-MNIST test images as preprocessed pixels [n, 3, 28, 28], and their labels. */
    static INDArray[] fashionTest(int n, double[] mean, double[] std) throws IOException {
        byte[] images = gunzip(FASHION.resolve("t10k-images-idx3-ubyte.gz"));
        byte[] labels = gunzip(FASHION.resolve("t10k-labels-idx1-ubyte.gz"));
        float[] px = new float[n * 3 * 28 * 28];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = labels[8 + i];
            for (int c = 0; c < 3; c++) {
                for (int k = 0; k < 28 * 28; k++) {
                    double v = (images[16 + i * 784 + k] & 0xff) / 255.0;
                    px[((i * 3 + c) * 784) + k] = (float) ((v - mean[c]) / std[c]);
                }
            }
        }
        return new INDArray[] {org.nd4j.linalg.factory.Nd4j.create(px, new long[] {n, 3, 28, 28}, 'c'),
                org.nd4j.linalg.factory.Nd4j.createFromArray(y)};
    }

    private static byte[] gunzip(Path p) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
            return in.readAllBytes();
        }
    }
}
