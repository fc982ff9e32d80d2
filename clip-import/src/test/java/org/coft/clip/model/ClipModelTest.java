package org.coft.clip.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.Fixtures;
import org.coft.clip.Tensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The CLIP model's seams against PyTorch: outputs from token embeddings, gradients into the token embeddings
 * and into tower weights (autograd references from the fixture script), one SGD step on the image tower.
 */
class ClipModelTest {
    static final double ATOL = 1e-4;
    static final double RTOL = 1e-3;
    static ClipModel model;
    static JsonNode paramMap;

    @BeforeAll
    static void load() throws Exception {
        model = ClipModel.load(Fixtures.path("clip-tiny-hf"));
        paramMap = new ObjectMapper().readTree(Fixtures.path("ref", "hf_grad", "param_map.json").toFile());
    }

    private static INDArray ref(String dir, String batch, String name) {
        return Fixtures.npy(Fixtures.path("ref", dir, batch, name + ".npy"));
    }

    private static INDArray grad(String name) {
        return Fixtures.npy(Fixtures.path("ref", "hf_grad", name + ".npy"));
    }

    private static long[][] ids(INDArray a) {
        long[][] out = new long[(int) a.size(0)][];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.getRow(i).toLongVector();
        }
        return out;
    }

    @Test
    void embedDimIsTheProjectedWidthAndAClosedModelRefusesToEncode() throws Exception {
        try (ClipModel m = ClipModel.load(Fixtures.path("clip-tiny-hf"))) {
            assertEquals(m.encodeTexts(java.util.List.of("a cat")).size(1), m.embedDim());
            m.close();
            m.close(); // idempotent
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> m.encodeTexts(java.util.List.of("a cat")));
            assertTrue(e.getMessage().contains("was closed"), e.getMessage());
        }
    }

    @Test
    void shorterTextContextGivesTheSameFeaturesForTextsThatFit() throws Exception {
        ClipModel short12 = ClipModel.load(Fixtures.path("clip-tiny-hf"), ClipLoadOptions.defaults().withTextContext(12));
        assertEquals(12, short12.contextLength());
        java.util.List<String> texts = java.util.List.of("a photo of a cat.", "two dogs");
        Tensors.assertClose("short-context text features", short12.encodeTexts(texts), model.encodeTexts(texts), 1e-5,
                1e-4);
        assertThrows(ClipModelException.class, () -> ClipModel.load(Fixtures.path("clip-tiny-hf"),
                ClipLoadOptions.defaults().withTextContext(model.contextLength() + 1)));
    }

    @Test
    void textTowerFromTokenEmbeddingsMatchesPyTorch() {
        for (String b : new String[] {"b1", "b3"}) {
            long[][] ids = ids(ref("clip-tiny-hf_text_model", b, "input_ids"));
            INDArray out = model.encodeTokenEmbeddings(model.tokenEmbeddings(ids), ids);
            Tensors.assertClose("text_embeds " + b, out, ref("clip-tiny-hf_text_model", b, "text_embeds"), ATOL, RTOL);
        }
    }

    @Test
    void imageTowerMatchesPyTorchAndExposesFeaturesBeforeProjection() {
        INDArray px = ref("clip-tiny-hf_vision_model", "b3", "pixel_values");
        Tensors.assertClose("image_embeds", model.encodeImages(px), ref("clip-tiny-hf_vision_model", "b3", "image_embeds"),
                ATOL, RTOL);
        INDArray pre = model.encodeImagesBeforeProjection(px);
        assertEquals(32, pre.size(1), "pooled width before the 24-d projection");
        assertNotNull(model.vision().beforeProjection());
    }

    @Test
    void logitScaleIsReadFromTheWholeModelNotFromConfig(@TempDir Path tmp) throws Exception {
        assertEquals(1 / 0.07, model.logitScale(), 1e-3);
        // a config.json whose init value disagrees must not matter when model.onnx holds the scale
        try (var files = Files.list(Fixtures.path("clip-tiny-hf"))) {
            for (Path f : files.toList()) {
                Files.copy(f, tmp.resolve(f.getFileName()));
            }
        }
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replaceAll("\"logit_scale_init_value\":\\s*[0-9.eE+-]+",
                "\"logit_scale_init_value\": 0.0"));
        assertTrue(Files.readString(cfg).contains("\"logit_scale_init_value\": 0.0"));
        assertEquals(1 / 0.07, ClipModel.load(tmp).logitScale(), 1e-3);
    }

    @Test
    void towersStartFrozenAndCanBeUnfrozen() {
        ClipTower v = model.vision();
        assertTrue(!v.isTrainable() && v.sameDiff().variables().stream()
                .noneMatch(x -> x.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE));
        v.setTrainable(true);
        assertEquals(v.weightNames().size(), v.sameDiff().variables().stream()
                .filter(x -> x.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE).count());
        v.setTrainable(false);
    }

    /** Weight gradient of a torch parameter, fetched via the param map and transposed back if needed. */
    private static INDArray torchShaped(ClipTower tower, Map<String, INDArray> grads, String file, String param) {
        JsonNode e = paramMap.path(file).path(param);
        String init = e.path("initializer").asText();
        String sdName = tower.graph().weights().get(init);
        assertNotNull(sdName, "weight " + param + " (" + init + ") is a trainable variable");
        INDArray g = grads.get(sdName);
        assertNotNull(g, "gradient for " + param);
        return e.path("transposed").asBoolean() ? g.transpose() : g;
    }

    @Test
    void textGradientsIntoTokenEmbeddingsAndWeightsMatchAutograd() {
        ClipTower text = model.text();
        long[][] ids = ids(grad("input_ids"));
        INDArray embeds = grad("inputs_embeds");
        Tensors.assertClose("token embeddings", model.tokenEmbeddings(ids), embeds, 1e-6, 1e-6);
        // the tower as a layer in a new graph, fed from a trainable variable (the seam prompts enter through)
        SameDiff sd = SameDiff.create();
        SDVariable emb = sd.var("emb", embeds.dup());
        var layer = text.graph().defineInto(sd, "text/", Map.of(ClipSeams.TOKEN_EMBEDS, emb), true);
        SDVariable loss = layer.outputs().get(text.output()).mul(sd.constant("R", grad("text_weight"))).sum("loss");
        sd.setLossVariables(loss);
        Map<String, INDArray> ph = new HashMap<>();
        model.textSideInputs(ids).forEach((k, v) -> ph.put(layer.emitted().inputs().get(k), v));
        List<String> want = new ArrayList<>(layer.emitted().weights().values());
        want.add("emb");
        var og = sd.calculateGradientsAndOutputs(ph, List.of("loss"), want);
        assertEquals(grad("text_loss").getDouble(0), og.getOutputs().get("loss").getDouble(0), 1e-3);
        Map<String, INDArray> grads = og.getGradients();
        Tensors.assertClose("d loss / d token embeddings", grads.get("emb"), grad("text_grad_inputs_embeds"), ATOL, RTOL);
        for (String p : List.of("text_model.final_layer_norm.weight", "text_model.encoder.layers.0.mlp.fc1.weight",
                "text_model.encoder.layers.1.self_attn.q_proj.bias", "text_projection.weight",
                "text_model.embeddings.position_embedding.weight")) {
            JsonNode e = paramMap.path("text_model.onnx").path(p);
            INDArray g = grads.get(layer.emitted().weights().get(e.path("initializer").asText()));
            assertNotNull(g, "gradient for " + p);
            g = e.path("transposed").asBoolean() ? g.transpose() : g;
            INDArray expected = grad("text_grad__" + p);
            Tensors.assertClose("d loss / d " + p, g.reshape(expected.shape()), expected, ATOL, RTOL);
        }
    }

    @Test
    void visionGradientsAndOneSgdStepMatchPyTorch(@TempDir Path tmp) throws Exception {
        ClipModel m = ClipModel.load(Fixtures.path("clip-tiny-hf"));
        ClipTower v = m.vision();
        v.setTrainable(true);
        SameDiff sd = v.sameDiff();
        SDVariable r = sd.placeHolder("test_R", org.nd4j.linalg.api.buffer.DataType.FLOAT, -1, 24);
        SDVariable loss = v.variable(v.output()).mul(r).sum("test_vision_loss");
        sd.setLossVariables(loss);
        Map<String, INDArray> ph = Map.of(v.graph().sdName(m.pixelInput()), grad("pixel_values"), "test_R",
                grad("vision_weight"));
        var og = sd.calculateGradientsAndOutputs(ph, List.of(loss.name()), v.weightNames());
        assertEquals(grad("vision_loss").getDouble(0), og.getOutputs().get(loss.name()).getDouble(0), 1e-4);
        Map<String, INDArray> grads = og.getGradients();
        for (String p : List.of("vision_model.encoder.layers.1.self_attn.k_proj.weight", "visual_projection.weight",
                "vision_model.embeddings.patch_embedding.weight", "vision_model.pre_layrnorm.bias")) {
            Tensors.assertClose("d loss / d " + p, torchShaped(v, grads, "vision_model.onnx", p),
                    grad("vision_grad__" + p), ATOL, RTOL);
        }
        // one plain SGD step (lr 0.05) on every image-tower weight, then the same loss again
        for (String w : v.weightNames()) {
            INDArray g = grads.get(w);
            assertNotNull(g, "gradient for weight " + w);
            sd.getVariable(w).getArr().subi(g.mul(0.05));
        }
        double after = sd.output(ph, loss.name()).get(loss.name()).getDouble(0);
        double expected = grad("vision_loss_after_sgd").getDouble(0);
        assertEquals(expected, after, Math.abs(expected) * 1e-3, "loss after one SGD step");
    }

    @Test
    void missingDirectoryAndTokenizerFilesAreNamed(@TempDir Path tmp) throws Exception {
        ClipModelException e = assertThrows(ClipModelException.class, () -> ClipModel.load(tmp.resolve("nope")));
        assertTrue(e.getMessage().contains("nope"));
        Files.copy(Fixtures.path("clip-tiny-hf", "model.onnx"), tmp.resolve("model.onnx"));
        e = assertThrows(ClipModelException.class, () -> ClipModel.load(tmp));
        assertTrue(e.getMessage().contains("vocab.json") || e.getMessage().contains("tokenizer"), e.getMessage());
    }

    /** A model directory holding only {@code model}'s graph as model.onnx plus the tiny tokenizer and preprocessing. */
    private static Path wholeModelDir(Path tmp, Path onnx, int imageSize) throws Exception {
        Files.copy(onnx, tmp.resolve("model.onnx"));
        for (String f : List.of("vocab.json", "merges.txt")) {
            Files.copy(Fixtures.path("clip-tiny-hf", f), tmp.resolve(f));
        }
        Files.writeString(tmp.resolve("preprocessor_config.json"), Files.readString(
                Fixtures.path("clip-tiny-hf", "preprocessor_config.json")).replace("32", Integer.toString(imageSize)));
        return tmp;
    }

    @Test
    void wholeHuggingFaceModelAloneServesBothTowers(@TempDir Path tmp) throws Exception {
        ClipModel m = ClipModel.load(wholeModelDir(tmp, Fixtures.path("clip-tiny-hf", "model.onnx"), 32));
        INDArray px = ref("clip-tiny-hf_model", "b3", "pixel_values");
        // model.onnx's embeddings are normalised; the seam before projection is still found through the Div
        Tensors.assertClose("image_embeds", m.encodeImages(px), ref("clip-tiny-hf_model", "b3", "image_embeds"),
                ATOL, RTOL);
        assertEquals(32, m.encodeImagesBeforeProjection(px).size(1));
        long[][] ids = ids(ref("clip-tiny-hf_model", "b3", "input_ids"));
        Tensors.assertClose("text_embeds", m.encodeTokenEmbeddings(m.tokenEmbeddings(ids), ids),
                ref("clip-tiny-hf_model", "b3", "text_embeds"), ATOL, RTOL);
        assertEquals(1 / 0.07, m.logitScale(), 1e-3);
    }

    @Test
    void openAiArchitecturesLoadWithTheSameSeams(@TempDir Path tmp) throws Exception {
        for (String arch : List.of("openai_vit_opset17", "openai_rn_opset14")) {
            Path dir = Files.createDirectories(tmp.resolve(arch));
            ClipModel m = ClipModel.load(wholeModelDir(dir, Fixtures.path("onnx", arch + ".onnx"), arch.contains("_rn_") ? 64 : 32));
            long[][] ids = ids(ref(arch, "b3", "text"));
            Tensors.assertClose(arch + " text_features", m.encodeTokenEmbeddings(m.tokenEmbeddings(ids), ids),
                    ref(arch, "b3", "text_features"), ATOL, RTOL);
            Tensors.assertClose(arch + " image_features", m.encodeImages(ref(arch, "b3", "image")),
                    ref(arch, "b3", "image_features"), ATOL, RTOL);
            assertEquals(1 / 0.07, m.logitScale(), 1e-3, arch + " logit scale");
            assertNotNull(m.vision().beforeProjection(), arch + " features before projection");
            assertEquals(3, m.encodeImagesBeforeProjection(ref(arch, "b3", "image")).size(0));
        }
    }

    @Test
    void imagesOfTheWrongSizeAreRejectedByName() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> model.encodeImages(org.nd4j.linalg.factory.Nd4j.zeros(1, 3, 16, 16)));
        assertTrue(e.getMessage().contains("pixel_values") && e.getMessage().contains("16"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> model.encodeImages(org.nd4j.linalg.factory.Nd4j.zeros(1, 32, 32)));
        assertTrue(e2.getMessage().contains("pixel_values"), e2.getMessage());
    }
}
