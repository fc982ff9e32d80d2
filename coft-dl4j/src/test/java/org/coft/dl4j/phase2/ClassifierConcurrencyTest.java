package org.coft.dl4j.phase2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.coft.clip.model.ClipModel;
import org.coft.clip.zeroshot.PromptTemplates;
import org.coft.clip.zeroshot.ZeroShotClassifier;
import org.coft.dl4j.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A loaded {@link Classifier} serving several threads at once (a server's use): every concurrent call returns exactly
 * what the same call returns alone, for batches of different sizes interleaved, and the graphs' SameDiff sessions stay
 * bounded by the workers however many threads call.
 */
class ClassifierConcurrencyTest {
    @TempDir
    static Path dir;
    static Path file;
    static ClipModel model;

    @BeforeAll
    static void save() throws Exception {
        model = ClipModel.load(TestModels.microClip());
        ZeroShotClassifier zs = ZeroShotClassifier.build(model, TestModels.FASHION, PromptTemplates.single());
        file = dir.resolve("classifier-u.fb");
        Classifier.save(FineTuneNetwork.create(model, zs.classEmbeddings(), 0, 0.07), file);
    }

    @Test
    void concurrentPredictionsEqualSequentialOnesWithOneAndSeveralWorkers() throws Exception {
        int requests = 36;
        int callers = 6;
        List<INDArray> inputs = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            Nd4j.getRandom().setSeed(100 + i);
            inputs.add(Nd4j.randn(DataType.FLOAT, 1 + i % 5, 3, 28, 28));
        }
        List<INDArray> expected = new ArrayList<>();
        try (Classifier alone = Classifier.load(List.of(file, file), model.preprocess(), TestModels.FASHION)) {
            for (INDArray x : inputs) {
                expected.add(alone.probabilities(x));
            }
        }
        for (int workers : new int[] {1, 3}) {
            try (Classifier c = Classifier.load(List.of(file, file), model.preprocess(), TestModels.FASHION, workers)) {
                ExecutorService pool = Executors.newFixedThreadPool(callers);
                try {
                    List<Future<INDArray>> got = new ArrayList<>();
                    for (INDArray x : inputs) {
                        got.add(pool.submit((Callable<INDArray>) () -> c.probabilities(x)));
                    }
                    for (int i = 0; i < requests; i++) {
                        INDArray g = got.get(i).get();
                        assertEquals(List.of(expected.get(i).shape()[0], 10L), List.of(g.shape()[0], g.shape()[1]),
                                "request " + i + ": shape");
                        assertEquals(0.0, g.sub(expected.get(i)).amaxNumber().doubleValue(), 0.0,
                                workers + " worker(s): request " + i + " differs from the same request alone");
                    }
                } finally {
                    pool.shutdownNow();
                }
                // one session per worker and graph, not one per calling thread (6 callers + this thread)
                assertTrue(c.sessions() <= 2 * workers, workers + " worker(s): " + c.sessions() + " sessions");
                assertEquals(workers, c.workers());
            }
        }
    }

    @Test
    void aClosedClassifierRefusesCalls() throws Exception {
        Classifier c = Classifier.load(List.of(file), model.preprocess(), TestModels.FASHION);
        c.close();
        var e = assertThrows(IllegalStateException.class, () -> c.probabilities(Nd4j.zeros(DataType.FLOAT, 1, 3, 28,
                28)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Classifier.load(List.of(file), model.preprocess(),
                TestModels.FASHION, 0));
    }
}
