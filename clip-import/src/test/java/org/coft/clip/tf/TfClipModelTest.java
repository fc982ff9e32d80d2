package org.coft.clip.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.Tensors;
import org.coft.clip.model.ClipLoadOptions;
import org.coft.clip.model.ClipModel;
import org.coft.clip.model.ClipModelException;
import org.coft.clip.zeroshot.PromptTemplates;
import org.coft.clip.zeroshot.ZeroShotClassifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ClipModel#load} on TensorFlow model directories (the micro-CLIP rebuilt in TF, as a SavedModel folder and
 * as a frozen {@code model.pb}, beside the micro-CLIP's tokenizer and config files): the same features, zero-shot
 * predictions and seams (token embeddings, features before projection, trainable towers, visual prompts) as the
 * ONNX micro-CLIP.
 */
class TfClipModelTest {
    private static final Logger LOG = LoggerFactory.getLogger(TfClipModelTest.class);
    private static final List<String> FILES = List.of("vocab.json", "merges.txt", "tokenizer_config.json",
            "preprocessor_config.json", "config.json");
    @TempDir
    static Path tmp;
    private static MicroClipTf.Fixture fx;
    private static Path savedDir;
    private static Path frozenDir;

    @BeforeAll
    static void dirs() throws Exception {
        fx = MicroClipTf.fixture();
        savedDir = Files.createDirectories(tmp.resolve("saved"));
        frozenDir = Files.createDirectories(tmp.resolve("frozen"));
        for (String f : FILES) {
            Files.copy(MicroClipTf.DIR.resolve(f), savedDir.resolve(f));
            Files.copy(MicroClipTf.DIR.resolve(f), frozenDir.resolve(f));
        }
        Files.createDirectories(savedDir.resolve("saved_model/variables"));
        for (String f : List.of("saved_model.pb", "variables/variables.index",
                "variables/variables.data-00000-of-00001")) {
            Files.copy(fx.dir().resolve("saved_model").resolve(f), savedDir.resolve("saved_model").resolve(f));
        }
        Files.copy(fx.dir().resolve("frozen.pb"), frozenDir.resolve("model.pb"));
    }

    @Test
    void tensorFlowDirectoriesGiveTheOnnxModelsFeaturesAndPredictions() throws Exception {
        // 60 real images when Fashion-MNIST is there (TfMicroClipParityTest compares all 300), else random pixels
        INDArray pixels = fx.inputs().containsKey("zs") ? fx.inputs().get("zs").get("pixel_values")
                .get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 60)) : fx.inputs().get("b3").get("pixel_values");
        List<String> prompts = MicroClipTf.CLASSES;
        try (ClipModel onnx = ClipModel.load(MicroClipTf.DIR)) {
            INDArray onnxText = ClipModel.normalize(onnx.encodeTexts(prompts));
            INDArray onnxImage = ClipModel.normalize(onnx.encodeImages(pixels));
            INDArray onnxPre = onnx.encodeImagesBeforeProjection(pixels);
            INDArray onnxProbs = ZeroShotClassifier.build(onnx, prompts, PromptTemplates.single()).probabilities(pixels);
            for (Path dir : List.of(savedDir, frozenDir)) {
                try (ClipModel tf = ClipModel.load(dir)) {
                    String what = dir.getFileName().toString();
                    assertEquals(onnx.logitScale(), tf.logitScale(), 1e-4 * onnx.logitScale(), what + " logit scale");
                    LOG.info("{} text features vs ONNX: {}", what, Tensors.assertClose(what + " text",
                            ClipModel.normalize(tf.encodeTexts(prompts)), onnxText, 1e-4, 1e-3));
                    LOG.info("{} image features vs ONNX ({} images): {}", what, pixels.size(0), Tensors.assertClose(
                            what + " image", ClipModel.normalize(tf.encodeImages(pixels)), onnxImage, 1e-4, 1e-3));
                    Tensors.assertClose(what + " before projection", tf.encodeImagesBeforeProjection(pixels), onnxPre,
                            1e-4, 1e-3);
                    INDArray probs = ZeroShotClassifier.build(tf, prompts, PromptTemplates.single()).probabilities(pixels);
                    assertArrayEquals(onnxProbs.argMax(1).toLongVector(), probs.argMax(1).toLongVector(),
                            what + " zero-shot predictions");
                }
            }
        }
    }

    @Test
    void aTrimmedTextContextWorksAsOnTheOnnxModel() throws Exception {
        // CoFT's prompt learners load the model with the shortest context their prompts need
        List<String> texts = List.of("a photo of a bag.", "pullover");
        ClipLoadOptions trimmed = ClipLoadOptions.defaults().withTextContext(12);
        try (ClipModel tf = ClipModel.load(savedDir, trimmed); ClipModel onnx = ClipModel.load(MicroClipTf.DIR, trimmed)) {
            assertEquals(12, tf.contextLength());
            Tensors.assertClose("texts at context 12", ClipModel.normalize(tf.encodeTexts(texts)),
                    ClipModel.normalize(onnx.encodeTexts(texts)), 1e-4, 1e-3);
        }
    }

    @Test
    void tokenEmbeddingSeamAndTrainableTowersWork() throws Exception {
        try (ClipModel tf = ClipModel.load(savedDir); ClipModel onnx = ClipModel.load(MicroClipTf.DIR)) {
            assertEquals(onnx.tokenEmbeddingTable(), tf.tokenEmbeddingTable(), "token table cut out of the TF graph");
            long[][] ids = tf.tokenize(List.of("a photo of a bag.", "a photo of a coat."));
            INDArray viaEmbeddings = tf.encodeTokenEmbeddings(tf.tokenEmbeddings(ids), ids);
            Tensors.assertClose("texts through token embeddings", viaEmbeddings,
                    tf.encodeTexts(List.of("a photo of a bag.", "a photo of a coat.")), 0, 0);
            assertTrue(tf.vision().beforeProjection() != null && tf.text().beforeProjection() != null);
            assertEquals(onnx.vision().weightNames().size(), tf.vision().weightNames().size(),
                    "the TF image tower has as many trainable weights as the ONNX one");
            tf.vision().setTrainable(true);
            for (String w : tf.vision().weightNames()) {
                assertEquals(VariableType.VARIABLE, tf.vision().sameDiff().getVariable(w).getVariableType(), w);
            }
        }
    }

    @Test
    void gradientsThroughTheTfTowersEqualTheOnnxOnes() throws Exception {
        long[][] ids;
        INDArray pixels = fx.inputs().get("b3").get("pixel_values");
        Map<String, INDArray> tf;
        Map<String, INDArray> onnx;
        try (ClipModel t = ClipModel.load(savedDir); ClipModel o = ClipModel.load(MicroClipTf.DIR)) {
            ids = t.tokenize(List.of("a photo of a dress.", "a photo of a sandal.", "trouser"));
            tf = gradients(t, ids, pixels);
            onnx = gradients(o, ids, pixels);
        }
        for (String k : List.of("emb", "pix")) {
            assertTrue(tf.get(k).norm2Number().doubleValue() > 1e-3, "a real gradient reaches " + k);
            LOG.info("d loss / d {} TF vs ONNX: {}", k, Tensors.assertClose("d loss / d " + k, tf.get(k), onnx.get(k),
                    1e-5, 1e-4));
        }
    }

    /** d(sum(features before projection · R))/d(token embeddings) and /d(pixels), towers as layers of a new graph. */
    private static Map<String, INDArray> gradients(ClipModel m, long[][] ids, INDArray pixels) {
        SameDiff sd = SameDiff.create();
        SDVariable emb = sd.var("emb", m.tokenEmbeddings(ids).castTo(DataType.FLOAT));
        SDVariable pix = sd.var("pix", pixels.dup());
        var text = m.text().graph().defineInto(sd, "t/", Map.of(ClipModel.TOKEN_EMBEDS_INPUT, emb), true);
        var vision = m.vision().graph().defineInto(sd, "v/", Map.of(m.pixelInput(), pix), true);
        SDVariable ft = text.outputs().get(m.text().beforeProjection());
        SDVariable fv = vision.outputs().get(m.vision().beforeProjection());
        INDArray rt = Nd4j.linspace(-1, 1, 3 * 64).reshape(3, 64).castTo(DataType.FLOAT); // 3 rows, width 64
        SDVariable loss = ft.mul(sd.constant("rt", rt)).sum().add(fv.mul(sd.constant("rv", rt)).sum()).rename("loss");
        sd.setLossVariables(loss);
        Map<String, INDArray> ph = new HashMap<>();
        m.textSideInputs(ids).forEach((k, v) -> ph.put(text.emitted().inputs().get(k), v));
        return sd.calculateGradientsAndOutputs(ph, List.of("loss"), List.of("emb", "pix")).getGradients();
    }

    @Test
    void visualPromptsEnterTheTfTowerAsTheyEnterTheOnnxOne() throws Exception {
        INDArray pixels = fx.inputs().get("b3").get("pixel_values");
        for (ClipLoadOptions options : List.of(ClipLoadOptions.shallowPrompts(4), ClipLoadOptions.deepPrompts(4))) {
            try (ClipModel tf = ClipModel.load(savedDir, options);
                 ClipModel onnx = ClipModel.load(MicroClipTf.DIR, options)) {
                var in = new java.util.HashMap<String, INDArray>();
                in.put(tf.pixelInput(), pixels);
                in.put(ClipModel.VISUAL_PROMPTS_INPUT, Nd4j.rand(DataType.FLOAT, 4, 64).subi(0.5));
                if (options.deepPrompts()) {
                    in.put(ClipModel.VISUAL_PROMPTS_DEEP_INPUT, Nd4j.rand(DataType.FLOAT, 3, 4, 64).subi(0.5));
                }
                INDArray a = tf.vision().run(in, List.of(tf.vision().beforeProjection())).get(tf.vision().beforeProjection());
                in.put(onnx.pixelInput(), in.remove(tf.pixelInput()));
                INDArray b = onnx.vision().run(in, List.of(onnx.vision().beforeProjection()))
                        .get(onnx.vision().beforeProjection());
                Tensors.assertClose((options.deepPrompts() ? "deep" : "shallow") + " prompts", a, b, 1e-4, 1e-3);
            }
        }
    }

    @Test
    void aDirectoryWithoutAnyGraphSaysWhatItExpects() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        for (String f : FILES) {
            Files.copy(MicroClipTf.DIR.resolve(f), empty.resolve(f));
        }
        ClipModelException e = assertThrows(ClipModelException.class, () -> ClipModel.load(empty));
        assertTrue(e.getMessage().contains("saved_model.pb") && e.getMessage().contains("model.onnx"), e.getMessage());
    }
}
