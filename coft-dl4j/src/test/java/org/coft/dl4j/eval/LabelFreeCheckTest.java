package org.coft.dl4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The label-free check's measures and its rule, on hand-made predictions. */
class LabelFreeCheckTest {
    /** One-hot-ish probabilities: class pred[i] with probability conf[i], the rest shared. */
    static INDArray probs(int[] pred, double[] conf, int c) {
        double[][] p = new double[pred.length][c];
        for (int i = 0; i < pred.length; i++) {
            for (int k = 0; k < c; k++) {
                p[i][k] = (1 - conf[i]) / (c - 1);
            }
            p[i][pred[i]] = conf[i];
        }
        return Nd4j.createFromArray(p).castTo(DataType.FLOAT);
    }

    @Test
    void balanceIsTheNormalisedEntropyOfThePredictedClasses() {
        assertEquals(1.0, LabelFreeCheck.balance(new int[] {0, 1, 2, 3}, 4), 1e-12);
        assertEquals(0.0, LabelFreeCheck.balance(new int[] {2, 2, 2, 2}, 4), 1e-12);
        assertEquals(0.5, LabelFreeCheck.balance(new int[] {0, 0, 1, 1}, 4), 1e-12);
    }

    @Test
    void aStageThatCollapsesIsFlaggedAndTheAnchorsAreMeasured() {
        int n = 100;
        int[] zs = new int[n];
        double[] conf = new double[n];
        for (int i = 0; i < n; i++) {
            zs[i] = i % 4;
            conf[i] = 0.3 + 0.6 * i / n;   // within each class, later images are more confident
        }
        int[] good = zs.clone();
        good[0] = 1;                        // one low-confidence change
        int[] collapsed = new int[n];
        for (int i = 0; i < n; i++) {
            collapsed[i] = i % 4 == 3 ? 0 : zs[i];   // class 3 vanishes into class 0
        }
        double[] flat = new double[n];
        java.util.Arrays.fill(flat, 0.9);
        LabelFreeCheck.Report ok = LabelFreeCheck.check(List.of("zero-shot", "phase I", "CoFT"),
                List.of(probs(zs, conf, 4), probs(good, flat, 4), probs(good, flat, 4)), good, good, 0.8);
        assertFalse(ok.lastDoubtful(), ok.lines().toString());
        assertEquals(1.0, ok.phaseOneAgreement(), 0);
        assertEquals(1.0, ok.stages().get(2).anchorAgreement(), 0, "the changed image is no anchor");
        LabelFreeCheck.Report bad = LabelFreeCheck.check(List.of("zero-shot", "phase I", "CoFT"),
                List.of(probs(zs, conf, 4), probs(good, flat, 4), probs(collapsed, flat, 4)), good, zs, 0.8);
        assertTrue(bad.lastDoubtful());
        String why = String.join(" ", bad.stages().get(2).reasons());
        assertTrue(why.contains("balance fell from 1.000 to 0.750"), why);
        assertEquals(0.75, bad.stages().get(2).anchorAgreement(), 1e-12, "a quarter of the anchors overturned");
        assertTrue(bad.lines().get(bad.lines().size() - 1).contains("doubtful"));
        assertEquals(0.99, bad.phaseOneAgreement(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> LabelFreeCheck.check(List.of("zero-shot"),
                List.of(probs(zs, conf, 4), probs(zs, conf, 4)), null, null, 0));
    }
}
