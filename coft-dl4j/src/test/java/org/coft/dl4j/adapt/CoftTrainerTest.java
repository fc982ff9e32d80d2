package org.coft.dl4j.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.TestModels;
import org.coft.dl4j.phase1.ImageViews;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** CoFT as one trainer object: fit → an immutable, closeable classifier with provenance; same seed, same result. */
class CoftTrainerTest {
    static final List<String> CLASSES = List.of("t-shirt", "bag");

    static UnlabeledImages images(Path dir) throws IOException {
        Random r = new Random(3);
        Files.createDirectories(dir);
        for (int i = 0; i < 16; i++) {
            BufferedImage im = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    int v = (i % 2 == 0 ? (x > 6 && x < 22 && y > 4 ? 200 : 10) : (y > 12 ? 180 : 20)) + r.nextInt(40);
                    im.getRaster().setSample(x, y, 0, Math.min(255, v));
                }
            }
            ImageIO.write(im, "png", dir.resolve(String.format("img%02d.png", i)).toFile());
        }
        return ImageViews.byFileName(ImageSources.open(dir.toString(), SourceOptions.defaults()).images());
    }

    static CoftConfig tiny() throws IOException {
        return CoftConfig.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"phase1\": {\"visual\": \"ADAPTER\", \"seedsPerClass\": 2, \"epochs\": 1, \"batchSize\": 4},"
                        + " \"phase2\": {\"epochs\": 1, \"batchSize\": 8}}"), CoftConfig.coft(), "test config");
    }

    @Test
    void fitReturnsAClassifierWithProvenanceAndTheSameSeedGivesTheSameOne(@TempDir Path tmp) throws Exception {
        UnlabeledImages images = images(tmp.resolve("data"));
        CoftTrainer trainer = CoftTrainer.coft(7).withConfig(tiny());
        INDArray first;
        try (AdaptedClassifier c = trainer.fit(TestModels.microClip(), images, tmp.resolve("data").toString(),
                CLASSES, tmp.resolve("run1"))) {
            assertEquals(CLASSES, c.classes());
            assertEquals(1, c.config().phase1().epochs());
            Provenance p = c.provenance();
            assertEquals(Method.COFT, p.method());
            assertEquals(7, p.seed());
            assertEquals(16, p.images());
            assertTrue(!p.supervised() && p.dataIdsSha256().length() == 64, p.toString());
            assertTrue(p.baseModelSha256().containsKey("vision_model.onnx"), p.baseModelSha256().toString());
            assertTrue(p.versions().containsKey("nd4j"), p.versions().toString());
            first = c.predict(images, 8, 1).probabilities().dup();
            assertEquals(16, first.size(0));
            c.close();
            assertThrows(IllegalStateException.class, () -> c.predict(images, 8, 1));
        }
        // the trainer holds config and seed only: a second fit elsewhere gives the same classifier
        try (AdaptedClassifier again = trainer.fit(TestModels.microClip(), images, tmp.resolve("data").toString(),
                CLASSES, tmp.resolve("run2"))) {
            assertEquals(first, again.predict(images, 8, 1).probabilities());
        }
        // a Phase I folder is not a fine-tuned classifier
        IOException e = assertThrows(IOException.class, () -> AdaptedClassifier.open(tmp.resolve("run1").resolve("phase1")));
        assertTrue(e.getMessage().contains("not a fine-tuned classifier"), e.getMessage());
    }

    @Test
    void selfTrainingAndTheManifoldCheckAreRecordedInTheAdaptedModel(@TempDir Path tmp)
            throws Exception {
        UnlabeledImages images = images(tmp.resolve("data"));
        CoftConfig base = tiny();
        CoftConfig cfg = new CoftConfig(base.rounds(), base.phase1(), base.phase2().withSelfTraining(1)
                .withManifoldCheck(org.coft.dl4j.phase2.PhaseTwoConfig.ManifoldCheck.SEED_PROPAGATION, 3));
        Path run = tmp.resolve("run");
        try (AdaptedClassifier c = CoftTrainer.coft(7).withConfig(cfg).fit(TestModels.microClip(), images,
                tmp.resolve("data").toString(), CLASSES, run)) {
            assertEquals(1, c.config().phase2().selfTraining());
            assertEquals(16, c.predict(images, 8, 1).probabilities().size(0));
        }
        // the adapted model is the self-training round's network; the first network stays as a record
        String manifest = Files.readString(run.resolve(Adaptation.MANIFEST));
        assertTrue(manifest.contains("classifier-st1.fb") && !manifest.contains("classifier-u.fb"), manifest);
        assertTrue(Files.isRegularFile(run.resolve("classifier-u.fb")));
        List<String> st = Files.readAllLines(run.resolve(org.coft.dl4j.run.RunFolder.selfTrainingLabels(1)));
        assertEquals("id,label_st1", st.get(0));
        assertEquals(17, st.size());
        assertTrue(manifest.contains("manifold check (label propagation of the 4 seeds"), manifest);
    }
}
