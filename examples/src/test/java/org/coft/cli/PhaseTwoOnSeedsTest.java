package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.coft.clip.model.ClipModel;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.phase1.PhaseOneConfig;
import org.coft.dl4j.phase2.Classifier;
import org.coft.dl4j.phase2.PhaseTwo;
import org.coft.dl4j.phase2.PhaseTwoConfig;
import org.coft.dl4j.seeds.SeedSelection;
import org.coft.dl4j.seeds.SeedSet;
import org.coft.dl4j.seeds.ShortfallPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Phase II on a small set: fine-tuned on the zero-shot seeds only (top-K per class), the image tower + head must
 * classify the other images better than the zero-shot classifier it starts from (hidden labels only measure).
 */
class PhaseTwoOnSeedsTest {
    @Test
    void fineTuningOnTheSeedsBeatsZeroShotOnTheRest(@TempDir Path tmp) throws Exception {
        AdaptCommandTest.assumeFashionMnist();
        Path data = tmp.resolve("task");
        String[] r = CliTest.run("task", "fashion-shift", "--out", data.toString(), "--limit", "300");
        assertEquals("0", r[0], r[2]);
        ClassList cl = ClassList.fromFile(data.resolve("classes.txt"));
        ImageSource source = ImageSources.open(data.toString(), SourceOptions.defaults().withClasses(cl));
        var images = ImageViews.byFileName(source.images());
        var backbone = org.coft.dl4j.phase1.ClipBackbone.plainOnly(EmbeddedModel.extract());
        ClipModel model = backbone.plain();
        PhaseOne.Features f = PhaseOne.features(backbone, images, null, new PhaseOne.Options(2, 256, List.of()));
        var zs = PhaseOne.zeroShot(model, cl.names(), PhaseOneConfig.defaults());
        INDArray p = Transforms.softmax(zs.logits(f.features()).castTo(DataType.DOUBLE), true);
        SeedSet seeds = SeedSelection.topKPerClass(p, f.ids(), 8, ShortfallPolicy.FILL_BY_SCORE);
        // the pseudo-labelling stage on its own gives exactly these features, probabilities and seeds
        PhaseOne.PseudoLabels stage = PhaseOne.pseudoLabels(backbone, images, cl.names(), PhaseOneConfig.defaults()
                .withSeeds(8, ShortfallPolicy.FILL_BY_SCORE), tmp.resolve("stage"), new PhaseOne.Options(2, 256,
                List.of()), null);
        assertEquals(f.ids(), stage.features().ids());
        assertEquals(p, stage.probabilities());
        assertEquals(seeds.seeds(), stage.seeds().seeds());
        assertTrue(java.nio.file.Files.isRegularFile(tmp.resolve("stage").resolve(PhaseOne.SEEDS_FILE)));
        int n = f.ids().size();
        int[] labels = new int[n];
        java.util.Arrays.fill(labels, -1);
        for (var s : seeds.seeds()) {
            labels[s.index()] = s.label();
        }
        PhaseTwoConfig cfg = PhaseTwoConfig.defaults().withTraining(6, 20, 2e-4);
        Map<String, Path> files = PhaseTwo.run(model, zs.classEmbeddings(), PhaseOne.select(images, f.ids()),
                new PhaseTwo.Labels(Map.of("U", labels), "seeds"), cl.size(), cfg, 3, tmp.resolve("out"),
                new PhaseTwo.Options(2, List.of()));
        Classifier c = Classifier.load(List.copyOf(files.values()), model.preprocess(), cl.names());
        var pred = c.predict(PhaseOne.select(images, f.ids()), 256, 2);
        int[] truth = source.evaluationLabels().orElseThrow().labelsOf(f.ids());
        int zsRight = 0;
        int ftRight = 0;
        int rest = 0;
        for (int i = 0; i < n; i++) {
            if (labels[i] >= 0) {
                continue;
            }
            rest++;
            zsRight += argmax(p, i) == truth[i] ? 1 : 0;
            ftRight += argmax(pred.probabilities(), i) == truth[i] ? 1 : 0;
        }
        double zsAcc = (double) zsRight / rest;
        double ftAcc = (double) ftRight / rest;
        System.out.printf("phase II on %d seeds: zero-shot %.4f -> fine-tuned %.4f on the other %d images%n",
                seeds.size(), zsAcc, ftAcc, rest);
        assertTrue(ftAcc > zsAcc + 0.02, "fine-tuned " + ftAcc + " vs zero-shot " + zsAcc);
    }

    static int argmax(INDArray p, int row) {
        int best = 0;
        for (int c = 1; c < p.size(1); c++) {
            if (p.getDouble(row, c) > p.getDouble(row, best)) {
                best = c;
            }
        }
        return best;
    }
}
