package org.coft.dl4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link AdamSteps} against Adam written out in plain arithmetic (β₁ 0.9, β₂ 0.999, ε 1e-8, bias-corrected). */
class AdamStepsTest {
    @Test
    void inPlaceUpdatesEqualPlainAdamWithWeightDecay() {
        double[] p0 = {0.5, -1.0, 2.0, 0.25, -0.75, 1.5};
        INDArray param = Nd4j.createFromArray(toFloat(p0)).reshape(2, 3);
        INDArray other = Nd4j.createFromArray(1f, 2f, 3f);
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("w", param);
        params.put("b", other);
        AdamSteps adam = AdamSteps.fresh(0.01, 10, params);
        double[] p = p0.clone();
        double[] m = new double[6];
        double[] v = new double[6];
        double wd = 0.1;
        for (int t = 0; t < 4; t++) {
            double[] g = new double[6];
            for (int i = 0; i < 6; i++) {
                g[i] = Math.sin(1.0 + i + 3.0 * t);
            }
            INDArray grad = Nd4j.createFromArray(toFloat(g)).reshape(2, 3);
            Map<String, INDArray> grads = Map.of("w", grad, "b", Nd4j.createFromArray(0.1f, 0.2f, 0.3f));
            double lr = adam.learningRate(t, 0);
            adam.apply(grads, wd, t, 0);
            for (int i = 0; i < 6; i++) {
                double gi = g[i] + wd * p[i];
                m[i] = 0.9 * m[i] + 0.1 * gi;
                v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                double alpha = lr * Math.sqrt(1 - Math.pow(0.999, t + 1)) / (1 - Math.pow(0.9, t + 1));
                p[i] -= alpha * m[i] / (Math.sqrt(v[i]) + 1e-8);
            }
            for (int i = 0; i < 6; i++) {
                assertEquals(p[i], param.getDouble(i / 3, i % 3), 1e-6, "parameter " + i + " after step " + t);
            }
        }
    }

    /**
     * The prepared native calls against DL4J's own {@code AdamUpdater} (what this class ran before): bit for bit over
     * six steps of a cosine schedule, with the gradient arrays reused between steps as the plans hand them back, and
     * with a fresh gradient array in the middle (a different plan: the contexts are rebuilt).
     */
    @Test
    void preparedCallsEqualDl4jsUpdaterBitForBit() {
        Nd4j.getRandom().setSeed(7);
        INDArray w = Nd4j.randn(DataType.FLOAT, 16, 8);
        INDArray b = Nd4j.randn(DataType.FLOAT, 8);
        INDArray wRef = w.dup();
        INDArray bRef = b.dup();
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("w", w);
        params.put("b", b);
        AdamSteps adam = AdamSteps.fresh(0.05, 6, params);
        org.nd4j.linalg.learning.config.Adam cfg = new org.nd4j.linalg.learning.config.Adam(
                new CosineSchedule(0.05, 6));
        var uw = cfg.instantiate(Nd4j.zeros(DataType.FLOAT, 1, cfg.stateSize(w.length())), true);
        var ub = cfg.instantiate(Nd4j.zeros(DataType.FLOAT, 1, cfg.stateSize(b.length())), true);
        INDArray gw = Nd4j.create(DataType.FLOAT, 16, 8);
        INDArray gb = Nd4j.create(DataType.FLOAT, 8);
        for (int t = 0; t < 6; t++) {
            if (t == 3) {
                gw = Nd4j.create(DataType.FLOAT, 16, 8);
            }
            INDArray rw = Nd4j.randn(DataType.FLOAT, 16, 8);
            INDArray rb = Nd4j.randn(DataType.FLOAT, 8);
            gw.assign(rw);
            gb.assign(rb);
            adam.apply(Map.of("w", gw, "b", gb), 0.0, t, 0);
            INDArray fw = rw.reshape(1, rw.length());
            uw.applyUpdater(fw, t, 0);
            wRef.subi(fw.reshape(wRef.shape()));
            INDArray fb = rb.reshape(1, rb.length());
            ub.applyUpdater(fb, t, 0);
            bRef.subi(fb.reshape(bRef.shape()));
            assertArrayEquals(bits(wRef), bits(w), "w after step " + t);
            assertArrayEquals(bits(bRef), bits(b), "b after step " + t);
            assertArrayEquals(bits(fw), bits(gw), "the gradient holds the update after step " + t);
        }
        INDArray state = adam.checkpointArrays().get("adam/w");
        assertArrayEquals(bits((INDArray) uw.getState().get("M")), bits(state.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 128))));
        assertArrayEquals(bits((INDArray) uw.getState().get("V")), bits(state.get(NDArrayIndex.all(), NDArrayIndex.interval(128, 256))));
    }

    @Test
    void aMissingGradientIsNamed() {
        AdamSteps adam = AdamSteps.fresh(0.01, 10, Map.of("w", Nd4j.ones(DataType.FLOAT, 2)));
        var e = assertThrows(IllegalArgumentException.class, () -> adam.apply(Map.of(), 0, 0, 0));
        assertEquals("no gradient for parameter 'w'", e.getMessage());
    }

    @Test
    void aViewGradientIsCopiedAndLeftAsItWas() {
        INDArray w = Nd4j.ones(DataType.FLOAT, 3);
        AdamSteps adam = AdamSteps.fresh(0.01, 10, Map.of("w", w));
        INDArray base = Nd4j.createFromArray(1f, 9f, 2f, 9f, 3f, 9f);
        INDArray view = base.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2, 6));
        adam.apply(Map.of("w", view), 0, 0, 0);
        assertEquals(Nd4j.createFromArray(1f, 9f, 2f, 9f, 3f, 9f), base, "a strided gradient must not be overwritten");
        assertEquals(1.0 - 0.01, w.getDouble(0), 1e-6);
    }

    private static float[] bits(INDArray a) {
        return a.dup('c').data().asFloat();
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
