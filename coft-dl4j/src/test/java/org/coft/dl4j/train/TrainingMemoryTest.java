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
 * fresh inputs every step, as the trainer makes them, and no collection requested anywhere. Before static plans each
 * step left megabytes behind that only a collection freed (docs/benchmarks.md; this test measured 522 MiB of growth
 * with {@code -Dcoft.exec=samediff}). The bound is 128 MiB of resident memory outside the Java heap (whose committed
 * size grows by itself as the collector sizes it) between step 20 and step 200; static plans measured 3–61 MiB.
 */
class TrainingMemoryTest {
    static final long BOUND = 128L << 20;

    /** Resident memory outside the Java heap: RSS minus the heap's committed size (which grows on its own). */
    static long outsideHeap() {
        return Pointer.physicalBytes() - Runtime.getRuntime().totalMemory();
    }

    @Test
    void phaseTwoStepsKeepResidentMemoryFlat() throws Exception {
        ClipModel model = ClipModel.load(TestModels.microClip());
        Nd4j.getRandom().setSeed(5);
        INDArray head = Nd4j.randn(DataType.FLOAT, 10, 64);
        head.diviColumnVector(head.norm2(1).reshape(10, 1));
        FineTuneNetwork net = FineTuneNetwork.create(model, head, 0, 0.07);
        AdamSteps adam = AdamSteps.fresh(1e-4, 200, net.parameters());
        int batch = 4;
        long at20 = 0;
        long at200;
        for (int step = 0; step < 200; step++) {
            INDArray x = Nd4j.randn(DataType.FLOAT, batch, 3, 28, 28);
            INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
            for (int i = 0; i < batch; i++) {
                y.putScalar(i, (i + step) % 10, 1f);
            }
            INDArray w = Nd4j.ones(DataType.FLOAT, batch);
            FineTuneNetwork.Step st = net.gradients(x, y, w, null, null);
            adam.apply(st.gradients(), 0.0, step, 0);
            x.close();
            y.close();
            w.close();
            if (step == 19) {
                at20 = outsideHeap();
            }

        }
        at200 = outsideHeap();
        long growth = at200 - at20;
        System.out.printf("resident memory outside the heap: step 20 %d MiB, step 200 %d MiB (growth %d MiB)%n",
                at20 >> 20, at200 >> 20, growth >> 20);
        assertTrue(growth < BOUND, "resident memory grew by " + (growth >> 20) + " MiB from step 20 to step 200");
        net.releasePlans();
    }
}
