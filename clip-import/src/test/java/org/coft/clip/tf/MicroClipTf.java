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
import java.util.List;
import org.coft.clip.model.ClipModel;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.parse.OnnxParser;
import org.coft.clip.tf.fixtures.TensorFile;
import org.coft.clip.tf.fixtures.TfClipSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

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
    static final List<String> CLASSES = List.of("t-shirt", "trouser", "pullover", "dress", "coat", "sandal",
            "shirt", "sneaker", "bag", "ankle boot");
    static final int IMAGES = 300;
    private static Fixture fixture;

    /**
     * The generated micro-CLIP TF fixture (once per test JVM) and its input sets by name: {@code b1}, {@code b3}
     * (class prompts, random pixels) and, when Fashion-MNIST is installed, {@code zs} (the ten class prompts and the
     * first {@value #IMAGES} test images, whose labels are {@code labels}).
     */
    record Fixture(Path dir, Map<String, Map<String, INDArray>> inputs, INDArray labels) { }

    static synchronized Fixture fixture() throws Exception {
        if (fixture != null) {
            return fixture;
        }
        TfOracle.lib();
        Map<String, TensorFile.Tensor> given = new LinkedHashMap<>();
        Map<String, Map<String, INDArray>> inputs = new LinkedHashMap<>();
        INDArray labels = null;
        try (ClipModel m = ClipModel.load(DIR)) {
            List<String> prompts = CLASSES.stream().map(c -> "a photo of a " + c + ".").toList();
            long[][] ids = m.tokenize(prompts);
            INDArray idArr = Nd4j.createFromArray(ids);
            INDArray maskArr = Nd4j.createFromArray(m.tokenizer().attentionMask(ids)).castTo(DataType.LONG);
            INDArray rand = Nd4j.getRandomFactory().getNewRandomInstance(5).nextGaussian(new long[] {3, 3, 28, 28})
                    .castTo(DataType.FLOAT);
            put(given, inputs, "b3", idArr.get(NDArrayIndex.interval(0, 3)), maskArr.get(NDArrayIndex.interval(0, 3)),
                    rand);
            put(given, inputs, "b1", idArr.get(NDArrayIndex.interval(3, 4)), maskArr.get(NDArrayIndex.interval(3, 4)),
                    rand.get(NDArrayIndex.interval(1, 2)));
            if (Files.isDirectory(FASHION)) {
                INDArray[] fm = fashionTest(IMAGES, m.preprocess().mean(), m.preprocess().std());
                labels = fm[1];
                put(given, inputs, "zs", idArr, maskArr, fm[0]);
            }
        }
        Path dir = TfOracle.generate("micro", TfClipSpec.microClip(), weights(), given);
        fixture = new Fixture(dir, inputs, labels);
        return fixture;
    }

    private static void put(Map<String, TensorFile.Tensor> given, Map<String, Map<String, INDArray>> inputs, String set,
                            INDArray ids, INDArray mask, INDArray pixels) {
        given.put(set + "/input_ids", TfOracle.tensor(ids.castTo(DataType.INT)));
        given.put(set + "/attention_mask", TfOracle.tensor(mask.castTo(DataType.INT)));
        given.put(set + "/pixel_values", TfOracle.tensor(pixels));
        Map<String, INDArray> in = new LinkedHashMap<>();
        in.put("input_ids", ids.castTo(DataType.LONG));
        in.put("attention_mask", mask.castTo(DataType.LONG));
        in.put("pixel_values", pixels);
        inputs.put(set, in);
    }

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
        return new INDArray[] {Nd4j.create(px, new long[] {n, 3, 28, 28}, 'c'),
                Nd4j.createFromArray(y)};
    }

    private static byte[] gunzip(Path p) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
            return in.readAllBytes();
        }
    }
}
