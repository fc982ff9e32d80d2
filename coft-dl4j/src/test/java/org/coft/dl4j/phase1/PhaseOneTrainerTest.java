package org.coft.dl4j.phase1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.dl4j.TestModels;
import org.coft.dl4j.layers.PromptLearner;
import org.coft.dl4j.train.ArrayArchive;
import org.coft.dl4j.train.DivergenceException;
import org.coft.dl4j.train.DivergenceGuard;
import org.coft.dl4j.train.LossHistory;
import org.coft.dl4j.train.StepInfo;
import org.coft.dl4j.train.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The Phase I loop: learning, determinism, checkpoint/resume, divergence guard. */
class PhaseOneTrainerTest {
    static ClipBackbone backbone;
    static PhaseOneTrainer.TrainingData data;
    static final PhaseOneConfig CFG = PhaseOneConfig.defaults().withVisual(VisualModule.ADAPTER).withContext(4, "")
            .withTraining(4, 8, 5e-3);

    @BeforeAll
    static void load() throws Exception {
        backbone = ClipBackbone.load(TestModels.microClip(), CFG, TestModels.FASHION);
        INDArray pixels = PromptLearner.gaussian(new long[] {20, 3, 28, 28}, 21, 1.0);
        INDArray f = backbone.plain().encodeImages(pixels);
        int[] labels = new int[20];
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            labels[i] = i % 10;
            ids.add("img" + i);
        }
        data = new PhaseOneTrainer.TrainingData(f, labels, ids);
    }

    static Map<String, INDArray> train(long seed, Path ck, List<TrainingListener> listeners) throws Exception {
        DualPromptModel m = DualPromptModel.create(backbone, TestModels.FASHION, CFG, seed);
        PhaseOneTrainer.train(m, "A", data, seed, ck, listeners);
        return m.parameters();
    }

    static void assertSame(Map<String, INDArray> a, Map<String, INDArray> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertEquals(a.get(k), b.get(k), "parameter " + k);
        }
    }

    @Test
    void trainingLowersTheLossAndSameSeedGivesSameParameters() throws Exception {
        LossHistory h = new LossHistory();
        Map<String, INDArray> a = train(7, null, List.of(h));
        Map<String, INDArray> b = train(7, null, List.of());
        assertSame(a, b);
        assertNotEquals(a.get("ctx_pos"), train(8, null, List.of()).get("ctx_pos"));
        var e = h.entries();
        assertEquals(12, e.size());
        double first = (e.get(0).loss() + e.get(1).loss() + e.get(2).loss()) / 3;
        double last = (e.get(9).loss() + e.get(10).loss() + e.get(11).loss()) / 3;
        assertTrue(last < first, "loss did not fall: " + first + " -> " + last);
    }

    /** Throws (like a crash) after the given step. */
    record StopAfter(int step) implements TrainingListener {
        @Override
        public void onStep(StepInfo s) {
            if (s.step() == step) {
                throw new IllegalStateException("interrupted");
            }
        }
    }

    @Test
    void resumedRunEndsIdenticalToUninterruptedRun(@TempDir Path tmp) throws Exception {
        Map<String, INDArray> full = train(3, null, List.of());
        Path ck = tmp.resolve("ck.zip");
        assertThrows(IllegalStateException.class, () -> train(3, ck, List.of(new StopAfter(7))));
        // the last checkpoint is from the end of epoch 2 (step 6), written before the crash at step 7
        assertTrue(ArrayArchive.read(ck).meta().contains("\"step\":6"), ArrayArchive.read(ck).meta());
        List<Integer> started = new ArrayList<>();
        Map<String, INDArray> resumed = train(3, ck, List.of(new TrainingListener() {
            @Override
            public void onStart(String model, int startStep, int totalSteps) {
                started.add(startStep);
            }
        }));
        assertEquals(List.of(6), started);
        assertSame(full, resumed);
    }

    @Test
    void nanTripsTheGuardAndKeepsTheLastCheckpoint(@TempDir Path tmp) throws Exception {
        Path ck = tmp.resolve("ck.zip");
        TrainingListener inject = new TrainingListener() {
            @Override
            public void onGradients(StepInfo s, Map<String, INDArray> g) {
                if (s.step() == 8) {
                    g.get("ctx_neg").putScalar(0, Float.NaN);
                }
            }
        };
        var e = assertThrows(DivergenceException.class, () -> train(5, ck, List.of(inject, new DivergenceGuard())));
        assertTrue(e.getMessage().contains("step 8") && e.getMessage().contains("ctx_neg"), e.getMessage());
        ArrayArchive.Contents c = ArrayArchive.read(ck);
        assertTrue(c.meta().contains("\"step\":6"), c.meta());
        for (var a : c.arrays().values()) {
            assertTrue(Double.isFinite(a.sumNumber().doubleValue()));
        }
        // resuming from it without the fault ends where an uninterrupted run does
        assertSame(train(5, null, List.of()), train(5, ck, List.of(new DivergenceGuard())));
    }

    @Test
    void checkpointOfAnotherRunIsRefused(@TempDir Path tmp) throws Exception {
        Path ck = tmp.resolve("ck.zip");
        assertThrows(IllegalStateException.class, () -> train(3, ck, List.of(new StopAfter(4))));
        var e = assertThrows(java.io.IOException.class, () -> train(4, ck, List.of()));
        assertTrue(e.getMessage().contains("another run"), e.getMessage());
        Files.writeString(ck, "not a zip");
        assertThrows(java.io.IOException.class, () -> train(3, ck, List.of()));
    }
}
