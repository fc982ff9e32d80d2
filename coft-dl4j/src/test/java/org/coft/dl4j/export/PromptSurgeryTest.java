package org.coft.dl4j.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.coft.clip.model.ClipLoadOptions;
import org.coft.clip.model.ClipModel;
import org.coft.dl4j.layers.PromptLearner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ONNX prompt insertion equals the importer's ({@code VisualPromptSeams}): the surgically prompted ONNX tower
 * in ONNX Runtime gives the features of the prompted SameDiff tower, for a batch-first (Hugging Face) and a
 * sequence-first (OpenAI {@code model.py}) ViT, shallow and deep.
 */
class PromptSurgeryTest {
    static final int P = 3;
    static final Path FIXTURES = Path.of("..", "fixtures");

    @TempDir
    Path tmp;

    /** The OpenAI ViT fixture as a model directory (whole model.onnx; the tiny HF tokenizer has its vocabulary). */
    Path openAiDir() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("openai"));
        for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "preprocessor_config.json",
                "config.json")) {
            Files.copy(FIXTURES.resolve("clip-tiny-hf").resolve(f), dir.resolve(f));
        }
        Files.copy(FIXTURES.resolve("onnx/openai_vit_opset17.onnx"), dir.resolve("model.onnx"));
        return dir;
    }

    @Test
    void deepPromptsInABatchFirstTower() throws Exception {
        assertEquals(1, compare(FIXTURES.resolve("clip-tiny-hf"), true));
    }

    @Test
    void deepPromptsInASequenceFirstTower() throws Exception {
        assertEquals(0, compare(openAiDir(), true));
    }

    @Test
    void shallowPrompts() throws Exception {
        compare(FIXTURES.resolve("clip-tiny-hf"), false);
        compare(openAiDir(), false);
    }

    /** Compares ORT on the surgically prompted tower with the importer's prompted tower; returns the token axis. */
    static int compare(Path dir, boolean deep) throws Exception {
        ClipModel plain = ClipModel.load(dir);
        ClipModel prompted = ClipModel.load(dir, deep ? ClipLoadOptions.deepPrompts(P) : ClipLoadOptions.shallowPrompts(P));
        var g = prompted.vision().graph();
        long[] sShape = g.inputType(ClipModel.VISUAL_PROMPTS_INPUT).shape().stream().mapToLong(d -> d.value()).toArray();
        INDArray shallow = PromptLearner.gaussian(sShape, 1, 0.5);
        INDArray deepPrompts = null;
        if (deep) {
            long[] dShape = g.inputType(ClipModel.VISUAL_PROMPTS_DEEP_INPUT).shape().stream().mapToLong(d -> d.value())
                    .toArray();
            deepPrompts = PromptLearner.gaussian(dShape, 2, 0.5);
        }
        OnnxTower tower = OnnxTower.read(ClipModel.visionFile(dir), plain.pixelInput(), plain.vision().output());
        int axis = deep ? PromptSurgery.tokenAxis(tower, plain.vision().graph()::valueType) : 1;
        ExportGraph eg = new ExportGraph();
        String f = tower.copyInto(eg, "", Map.of(), new PromptSurgery.Prompts(shallow, deepPrompts, axis));
        Onnx.ValueInfoProto in = tower.model().getGraph().getInputList().stream()
                .filter(v -> v.getName().equals(plain.pixelInput())).findFirst().orElseThrow();
        Onnx.ModelProto m = Onnx.ModelProto.newBuilder().setIrVersion(tower.model().getIrVersion())
                .addAllOpsetImport(tower.model().getOpsetImportList())
                .setGraph(eg.build("t", List.of(in), List.of(OnnxProtos.floatInfo(f, "batch", "embed")))).build();
        int side = plain.preprocess().outputHeight();
        INDArray px = PromptLearner.gaussian(new long[] {2, 3, side, side}, 3, 1.0);
        Map<String, INDArray> feed = new HashMap<>(Map.of(plain.pixelInput(), px, ClipModel.VISUAL_PROMPTS_INPUT,
                shallow));
        if (deep) {
            feed.put(ClipModel.VISUAL_PROMPTS_DEEP_INPUT, deepPrompts);
        }
        INDArray want = prompted.vision().run(feed, List.of(prompted.vision().output())).get(prompted.vision().output());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[][] got;
        try (OrtSession s = env.createSession(m.toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(px.dup('c').data().asFloat()), px.shape());
             OrtSession.Result r = s.run(Map.of(plain.pixelInput(), x))) {
            got = (float[][]) r.get(0).getValue();
        }
        INDArray ort = Nd4j.createFromArray(got);
        double err = ort.sub(want).amaxNumber().doubleValue();
        double scale = want.amaxNumber().doubleValue();
        assertTrue(err <= 1e-4 + 1e-3 * scale, "max |ORT − SameDiff| " + err + " (features up to " + scale + ")");
        // the prompts matter: without them the features are far off (so this comparison can fail)
        System.out.printf("prompt surgery %s %s: max |ORT - SameDiff| %.2g, features up to %.3g%n",
                dir.getFileName(), deep ? "deep" : "shallow", err, scale);
        double moved = plain.encodeImages(px).sub(want).amaxNumber().doubleValue();
        assertTrue(moved > 20 * (1e-4 + 1e-3 * scale), "prompts moved the features by only " + moved
                + " (ORT vs SameDiff: " + err + ")");
        return axis;
    }
}
