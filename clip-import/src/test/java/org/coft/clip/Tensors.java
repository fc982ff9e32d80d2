package org.coft.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Whole-tensor comparison {@code |a − b| ≤ atol + rtol·|b|}, reporting max abs/rel error and where. */
public final class Tensors {
    private Tensors() {
    }

    /** Summary of the difference between an actual and an expected tensor. */
    public record Diff(double maxAbs, double maxRel, long worstIndex, long violations) {
        @Override
        public String toString() {
            return String.format("max|diff|=%.3g max rel=%.3g worst flat index %d, %d element(s) out of tolerance",
                    maxAbs, maxRel, worstIndex, violations);
        }
    }

    public static Diff diff(INDArray actual, INDArray expected, double atol, double rtol) {
        double[] a = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] b = expected.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double maxAbs = 0;
        double maxRel = 0;
        long worst = -1;
        long bad = 0;
        double worstExcess = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < b.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            if (Double.isNaN(a[i]) != Double.isNaN(b[i])) {
                d = Double.POSITIVE_INFINITY;
            }
            double rel = d / Math.max(Math.abs(b[i]), 1e-12);
            maxAbs = Math.max(maxAbs, d);
            maxRel = Math.max(maxRel, rel);
            double excess = d - (atol + rtol * Math.abs(b[i]));
            if (excess > 0) {
                bad++;
            }
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = i;
            }
        }
        return new Diff(maxAbs, maxRel, worst, bad);
    }

    public static Diff assertClose(String what, INDArray actual, INDArray expected, double atol, double rtol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        Diff d = diff(actual, expected, atol, rtol);
        if (d.violations() > 0) {
            fail(what + ": " + d + " (atol " + atol + ", rtol " + rtol + ")");
        }
        return d;
    }
}
