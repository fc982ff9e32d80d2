package org.coft.clip.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.coft.clip.Tensors;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.coft.clip.tf.fixtures.TensorFile;
import org.coft.clip.tf.fixtures.TfClipSpec;
import org.coft.clip.tf.fixtures.TfClipWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SavedModel import (signature selection, our own tensor-bundle reader, variables resolved to weights) against
 * TensorFlow's outputs, and its errors.
 */
class TfSavedModelTest {
    private static final Logger LOG = LoggerFactory.getLogger(TfSavedModelTest.class);

    @TempDir
    Path tmp;

    @Test
    void savedModelMatchesTensorFlowAtTwoBatchSizesWithVariablesAsTrainableWeights() throws Exception {
        Path fx = TfOracle.tiny();
        OnnxGraph g = TfImporter.importModel(fx.resolve("saved_model"), TfOracle.textLength(12));
        assertEquals(List.of("attention_mask", "input_ids", "pixel_values"), g.inputNames().stream().sorted().toList());
        assertEquals(List.of("image_embeds", "logits_per_image", "text_embeds"), g.outputNames().stream().sorted().toList());
        // every variable but the logit scale (a scalar folded into the logits at import) is a trainable weight
        long variables = TfClipWeights.random(TfClipSpec.tiny(7)).size();
        assertTrue(g.weights().size() >= variables - 1, g.weights().size() + " weights of " + variables);
        for (String set : new String[] {"b1", "b3"}) {
            Map<String, INDArray> in = TfOracle.read(fx.resolve("inputs.bin"), set);
            Map<String, INDArray> ref = TfOracle.read(fx.resolve("reference.bin"), set);
            Map<String, INDArray> out = g.run(in);
            for (String o : ref.keySet()) {
                LOG.info("saved_model tiny {} {}: {}", set, o, Tensors.assertClose("saved_model " + set + " " + o,
                        out.get(o), ref.get(o), TfFrozenParityTest.ATOL, TfFrozenParityTest.RTOL));
            }
        }
    }

    @Test
    void bundleReaderReturnsTheExactWeightsTheGeneratorSaved() throws Exception {
        Path fx = TfOracle.tiny();
        TensorBundleReader b = TensorBundleReader.open(fx.resolve("saved_model/variables/variables"));
        Map<String, TensorFile.Tensor> w = TfClipWeights.random(TfClipSpec.tiny(7));
        assertEquals(w.size(), b.entries().size());
        assertEquals(w.size(), TfImporter.parse(fx.resolve("saved_model")).initializers().size(),
                "each variable is one weight (its reads are not counted again)");
        assertEquals(1, b.shards());
        for (var e : w.entrySet()) {
            INDArray v = b.read(e.getKey().replace('.', '/'));
            assertEquals(TfOracle.nd4j(e.getValue()), v, e.getKey());
        }
    }

    @Test
    void unknownSignatureListsTheSignaturesThereAre() throws Exception {
        Path dir = TfOracle.tiny().resolve("saved_model");
        assertEquals(List.of("serving_default"), SavedModelReader.signatures(dir).stream()
                .map(SavedModelReader.Signature::key).toList());
        TfImportException e = assertThrows(TfImportException.class, () -> TfImporter.parse(dir, "predict"));
        assertTrue(e.getMessage().contains("no signature 'predict'") && e.getMessage().contains("[serving_default]")
                && e.getMessage().contains("saved_model.pb"), e.getMessage());
    }

    @Test
    void savedModelWithoutVariablesNamesTheMissingFileAndAVariable() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("novars"));
        Files.copy(TfOracle.tiny().resolve("saved_model/saved_model.pb"), dir.resolve("saved_model.pb"));
        TfImportException e = assertThrows(TfImportException.class, () -> TfImporter.parse(dir));
        assertTrue(e.getMessage().contains("SavedModel without variables") && e.getMessage().contains("variables.index")
                && e.getMessage().contains("variable(s), e.g. '"), e.getMessage());
    }

    @Test
    void truncatedSavedModelAndCorruptVariablesAreNamed() throws Exception {
        Path dir = copy(TfOracle.tiny().resolve("saved_model"), tmp.resolve("cut"));
        byte[] pb = Files.readAllBytes(dir.resolve("saved_model.pb"));
        Files.write(dir.resolve("saved_model.pb"), Arrays.copyOf(pb, pb.length / 3));
        TfImportException e = assertThrows(TfImportException.class, () -> TfImporter.parse(dir));
        assertTrue(e.getMessage().contains("saved_model.pb") && e.getMessage().contains("truncated"), e.getMessage());

        Path bad = copy(TfOracle.tiny().resolve("saved_model"), tmp.resolve("corrupt"));
        Path data = bad.resolve("variables/variables.data-00000-of-00001");
        byte[] d = Files.readAllBytes(data);
        d[d.length / 2] ^= 0x40;
        Files.write(data, d);
        e = assertThrows(TfImportException.class, () -> TfImporter.parse(bad));
        assertTrue(e.getMessage().contains("variables.data-00000-of-00001") && e.getMessage().contains("CRC32C"),
                e.getMessage());

        Path cutIndex = copy(TfOracle.tiny().resolve("saved_model"), tmp.resolve("cutindex"));
        Path index = cutIndex.resolve("variables/variables.index");
        byte[] ix = Files.readAllBytes(index);
        Files.write(index, Arrays.copyOf(ix, ix.length - 10));
        e = assertThrows(TfImportException.class, () -> TfImporter.parse(cutIndex));
        assertTrue(e.getMessage().contains("variables.index") && e.getMessage().contains("truncated"), e.getMessage());
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.sorted(Comparator.naturalOrder()).toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }
}
