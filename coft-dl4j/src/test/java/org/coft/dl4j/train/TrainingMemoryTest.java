package org.coft.dl4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.coft.clip.model.ClipModel;
import org.coft.dl4j.TestModels;
import org.coft.dl4j.phase2.FineTuneNetwork;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training steps do not grow native memory: 200 Phase II steps (micro-CLIP image tower + head, backward, Adam) with
 * fresh inputs every step, as the trainer makes them, and no collection requested inside the loop. Before static
 * plans each step left megabytes behind that only a collection freed (docs/benchmarks.md; this test measured 522 MiB
 * of growth with {@code -Dcoft.exec=samediff}). Memory is read at step 20 and step 200 after a stage-boundary
 * {@link NativeMemory#release} (a collection and malloc_trim), so that what malloc keeps of freed memory, which varies
 * from run to run, does not count: the bound is 32 MiB of resident memory outside the Java heap (whose committed size
 * grows by itself), 128 MiB where the JVM cannot trim (then malloc's retention counts).
 */
class TrainingMemoryTest {
    static final long BOUND = 32L << 20;
    static final long BOUND_UNTRIMMED = 128L << 20;

    /** Resident memory outside the Java heap: RSS minus the heap's committed size (which grows on its own). */
    static long outsideHeap() {
        return Pointer.physicalBytes() - Runtime.getRuntime().totalMemory();
    }

    /** Raw and released readings at step 20, then at step 200; asserts the released growth. */
    static final class Readings {
        long raw20;
        long at20;
        boolean trimmed = true;

        void step20() {
            raw20 = outsideHeap();
            trimmed &= NativeMemory.release("step 20");
            at20 = outsideHeap();
        }

        void step200(String what) {
            long raw200 = outsideHeap();
            trimmed &= NativeMemory.release("step 200");
            long growth = outsideHeap() - at20;
            System.out.printf("%s, resident memory outside the heap: step 20 %d MiB, step 200 %d MiB; after a release "
                    + "%d and %d MiB (growth %d MiB)%n", what, raw20 >> 20, raw200 >> 20, at20 >> 20,
                    (at20 + growth) >> 20, growth >> 20);
            long bound = trimmed ? BOUND : BOUND_UNTRIMMED;
            assertTrue(growth < bound, what + ": resident memory grew by " + (growth >> 20) + " MiB from step 20 to "
                    + "step 200 (bound " + (bound >> 20) + " MiB)");
        }
    }

    /** A random head of 10 unit rows of 64. */
    static INDArray unitHead(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray head = Nd4j.randn(DataType.FLOAT, 10, 64);
        return head.diviColumnVector(head.norm2(1).reshape(10, 1));
    }

    /** One-hot labels of a step's batch, cycling through the 10 classes. */
    static INDArray labels(int batch, int step) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, (i + step) % 10, 1f);
        }
        return y;
    }

    @Test
    void phaseTwoStepsKeepResidentMemoryFlat() throws Exception {
        ClipModel model = ClipModel.load(TestModels.microClip());
        INDArray head = unitHead(5);
        FineTuneNetwork net = FineTuneNetwork.create(model, head, 0, 0.07);
        AdamSteps adam = AdamSteps.fresh(1e-4, 200, net.parameters());
        int batch = 4;
        Readings r = new Readings();
        for (int step = 0; step < 200; step++) {
            INDArray x = Nd4j.randn(DataType.FLOAT, batch, 3, 28, 28);
            INDArray y = labels(batch, step);
            INDArray w = Nd4j.ones(DataType.FLOAT, batch);
            FineTuneNetwork.Step st = net.gradients(x, y, w, null, null);
            adam.apply(st.gradients(), 0.0, step, 0);
            x.close();
            y.close();
            w.close();
            if (step == 19) {
                r.step20();
            }
        }
        r.step200("Phase II steps");
        net.releasePlans();
    }

    /**
     * CoFT+'s Phase II step as {@code PhaseTwoTrainer} makes it: the key network's embeddings of a second view, the
     * contrastive term against the queue, Adam, the key encoder's EMA and the enqueue. Before the EMA and the queue
     * read-out were made allocation-free, each step left the encoder's size plus the queue behind for a collection.
     */
    @Test
    void momentumContrastStepsKeepResidentMemoryFlat() throws Exception {
        ClipModel model = ClipModel.load(TestModels.microClip());
        INDArray head = unitHead(7);
        FineTuneNetwork net = FineTuneNetwork.create(model, head, 0.5, 0.07, null,
                org.coft.dl4j.phase2.PhaseTwoConfig.ContrastHead.EMBEDDING, 1);
        FineTuneNetwork keyNet = FineTuneNetwork.create(model, head, 0, 0.07, null,
                org.coft.dl4j.phase2.PhaseTwoConfig.ContrastHead.EMBEDDING, 1);
        org.coft.dl4j.phase2.MomentumEncoder keys = org.coft.dl4j.phase2.MomentumEncoder.over(
                keyNet.encoderParameters(), 0.99);
        org.coft.dl4j.phase2.KeyQueue queue = new org.coft.dl4j.phase2.KeyQueue(256, net.embedDim());
        queue.enqueue(Nd4j.randn(DataType.FLOAT, 256, net.embedDim()));
        AdamSteps adam = AdamSteps.fresh(1e-4, 200, net.parameters());
        int batch = 4;
        Readings r = new Readings();
        for (int step = 0; step < 200; step++) {
            INDArray x = Nd4j.randn(DataType.FLOAT, batch, 3, 28, 28);
            INDArray x2 = Nd4j.randn(DataType.FLOAT, batch, 3, 28, 28);
            INDArray y = labels(batch, step);
            INDArray w = Nd4j.ones(DataType.FLOAT, batch);
            INDArray kb = keyNet.contrastEmbeds(x2);
            FineTuneNetwork.Step st;
            try (INDArray q = queue.keys()) {
                st = net.gradients(x, y, w, kb, q);
            }
            adam.apply(st.gradients(), 0.0, step, 0);
            keys.update(net.encoderParameters());
            queue.enqueue(kb);
            x.close();
            x2.close();
            y.close();
            w.close();
            kb.close();
            if (step == 19) {
                r.step20();
            }
        }
        r.step200("MoCo steps");
        net.releasePlans();
        keyNet.releasePlans();
    }
}
