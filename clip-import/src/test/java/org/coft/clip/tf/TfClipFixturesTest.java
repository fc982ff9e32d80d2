package org.coft.clip.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.coft.clip.Tensors;
import org.coft.clip.tf.fixtures.TfClipSpec;
import org.coft.clip.tf.fixtures.TfClipWeights;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The TF fixture generator's outputs: files, manifest and reference outputs that are consistent with each other. */
class TfClipFixturesTest {
    @Test
    void manifestNamesEveryFileWithItsHashAndTheTensorFlowVersion() throws Exception {
        Path fx = TfOracle.tiny();
        JsonNode m = new ObjectMapper().readTree(fx.resolve("manifest.json").toFile());
        assertEquals("2.18.0", m.get("tensorflow").asText());
        assertEquals(7, m.get("seed").asInt());
        assertTrue(m.get("saved_model_vs_frozen_max_abs").asDouble() <= 1e-5);
        for (String f : new String[] {"frozen.pb", "saved_model/saved_model.pb", "inputs.bin", "reference.bin",
                "saved_model/variables/variables.index", "saved_model/variables/variables.data-00000-of-00001"}) {
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(fx.resolve(f))));
            assertEquals(sha, m.get("sha256").get(f).asText(), f);
        }
    }

    @Test
    void referenceOutputsAreUnitEmbeddingsAndScaledCosineLogits() throws Exception {
        Path fx = TfOracle.tiny();
        double scale = Math.exp(TfClipWeights.random(TfClipSpec.tiny(7)).get("logit_scale").f()[0]);
        for (String set : new String[] {"b1", "b3"}) {
            Map<String, INDArray> ref = TfOracle.read(fx.resolve("reference.bin"), set);
            INDArray text = ref.get("text_embeds");
            INDArray image = ref.get("image_embeds");
            assertEquals(set.equals("b1") ? 1 : 3, text.size(0));
            Tensors.assertClose(set + " |text|", text.norm2(1), Nd4j.ones(text.size(0)), 1e-5, 0);
            Tensors.assertClose(set + " |image|", image.norm2(1), Nd4j.ones(image.size(0)), 1e-5, 0);
            Tensors.assertClose(set + " logits", ref.get("logits_per_image"), image.mmul(text.transpose()).mul(scale),
                    1e-4, 1e-4);
        }
    }
}
