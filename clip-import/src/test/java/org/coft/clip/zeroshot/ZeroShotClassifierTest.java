package org.coft.clip.zeroshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.coft.clip.Fixtures;
import org.coft.clip.Tensors;
import org.coft.clip.model.ClipModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ZeroShotClassifierTest {
    static ClipModel model;

    @BeforeAll
    static void load() throws Exception {
        model = ClipModel.load(Fixtures.path("clip-tiny-hf"));
    }

    @Test
    void logitsEqualTheWholeModelsLogitsPerImage() {
        // the split towers + our normalise/scale reproduce PyTorch's CLIPModel logits (image batch 3, text batch 2)
        INDArray ids = Fixtures.npy(Fixtures.path("ref", "clip-tiny-hf_model", "b3", "input_ids.npy"));
        long[][] rows = {ids.getRow(0).toLongVector(), ids.getRow(1).toLongVector()};
        INDArray text = model.encodeTokenEmbeddings(model.tokenEmbeddings(rows), rows);
        ZeroShotClassifier zs = ZeroShotClassifier.fromEmbeddings(model, List.of("a", "b"), text);
        INDArray px = Fixtures.npy(Fixtures.path("ref", "clip-tiny-hf_model", "b3", "pixel_values.npy"));
        Tensors.assertClose("logits_per_image", zs.logits(model.encodeImages(px)),
                Fixtures.npy(Fixtures.path("ref", "clip-tiny-hf_model", "b3", "logits_per_image.npy")), 1e-3, 1e-3);
    }

    @Test
    void ensembleIsTheRenormalisedMeanOfNormalisedPromptEmbeddings() {
        PromptTemplates t = PromptTemplates.of("a photo of a {}.", "a drawing of a {}.");
        ZeroShotClassifier zs = ZeroShotClassifier.build(model, List.of("cat", "dog"), t);
        INDArray cat = ClipModel.normalize(model.encodeTexts(t.fill("cat"))).mean(0).reshape(1, -1);
        Tensors.assertClose("cat", zs.classEmbeddings().getRow(0).reshape(1, -1), ClipModel.normalize(cat), 1e-6, 1e-5);
        INDArray probs = zs.probabilities(Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 3, 32, 32));
        assertEquals(4, zs.topK(probs, 2).size());
        assertEquals(1.0, probs.getRow(0).sumNumber().doubleValue(), 1e-5);
        var top = zs.topK(probs, 2).get(0);
        assertEquals(true, top.get(0).probability() >= top.get(1).probability());
    }

    @Test
    void templateFilesAreValidated(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("t.txt");
        Files.writeString(f, "# comment\na photo of a {}.\n\nitap of a {}\n");
        assertEquals(2, PromptTemplates.read(f).size());
        Files.writeString(f, "no placeholder here\n");
        var e = assertThrows(java.io.IOException.class, () -> PromptTemplates.read(f));
        assertEquals(true, e.getMessage().contains("line 1"));
    }
}
