package org.coft.dl4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.phase1.DualPromptModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The evaluation a run gets, on a hand-worked case: 4 images of 2 classes, one model with p_clean. */
class RunEvaluationTest {
    @Test
    void measuresAccuracyConfusionPCleanAndSeedsByHand(@TempDir Path dir) throws Exception {
        for (String[] f : new String[][] {{"cat", "a"}, {"cat", "b"}, {"dog", "c"}, {"dog", "d"}}) {
            Files.createDirectories(dir.resolve(f[0]));
            ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png",
                    dir.resolve(f[0]).resolve(f[1] + ".png").toFile());
        }
        List<String> classes = List.of("cat", "dog");
        ImageSource src = ImageSources.open(dir.toString(), SourceOptions.defaults().withClasses(ClassList.of(classes)));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < src.images().size(); i++) {
            ids.add(src.images().id(i));
        }
        // ids in order a, b (cat), c, d (dog); predictions: cat, dog, dog, cat -> 2 of 4 right
        INDArray probs = Nd4j.create(new double[][] {{0.9, 0.1}, {0.2, 0.8}, {0.3, 0.7}, {0.6, 0.4}});
        // model A: the same arg-max; p_clean of its own label high where right (a, c), low where wrong (b, d)
        INDArray pClean = Nd4j.create(new double[][] {{0.9, 0.1}, {0.1, 0.4}, {0.2, 0.8}, {0.3, 0.2}});
        Map<String, DualPromptModel.Scores> scores = new LinkedHashMap<>();
        scores.put("A", new DualPromptModel.Scores(probs, probs, null, pClean));
        Path seeds = dir.resolve("seeds.csv");
        Files.writeString(seeds, "id,class,confidence,filled\n" + ids.get(0) + ",cat,0.9,false\n" + ids.get(2)
                + ",cat,0.8,false\n" + ids.get(3) + ",dog,0.7,false\n");
        RunEvaluation.Report r = RunEvaluation.evaluate(new Adaptation.Predictions(ids, probs.castTo(DataType.DOUBLE),
                scores), src.evaluationLabels().orElseThrow(), classes, seeds);
        assertEquals(4, r.images());
        assertEquals(0.5, r.accuracy());
        assertArrayEquals(new long[] {1, 1}, r.confusion()[0]);
        assertArrayEquals(new long[] {1, 1}, r.confusion()[1]);
        assertEquals(0.5, r.classAccuracy(1));
        RunEvaluation.ModelReport a = r.model("A");
        assertEquals(0.5, a.accuracy());
        assertEquals(1.0, a.pCleanAuroc(), 1e-12, "p_clean ranks both right labels above both wrong ones");
        assertEquals(2, a.kept());
        assertEquals(1.0, a.keptPrecision());
        assertNull(r.filter(), "one model: no filter report");
        assertEquals(3, r.seeds().count());
        assertEquals(2.0 / 3, r.seeds().accuracy(), 1e-12);
        assertNull(RunEvaluation.evaluate(new Adaptation.Predictions(ids, probs, Map.of()),
                src.evaluationLabels().orElseThrow(), classes, dir.resolve("absent.csv")).seeds());
    }
}
