package org.coft.clip.onnx.parity;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Whole-tensor comparison: same shape, same element type, and {@code |a − b| ≤ atol + rtol·|b|} for floating
 * point ({@code b} the reference), exact equality for integer and boolean tensors. A failure reports the
 * maximum absolute and relative error and the worst element's index and values.
 */
public final class TensorCompare {
    private TensorCompare() {
    }

    /**
     * @param what     label for messages (output name, batch size)
     * @param expected reference (ONNX Runtime)
     * @param actual   value under test (our import)
     */
    public static void assertClose(String what, INDArray expected, INDArray actual, double atol, double rtol) {
        if (actual == null) {
            fail(what + ": no output produced");
        }
        if (!Arrays.equals(expected.shape(), actual.shape())) {
            fail(what + ": shape " + Arrays.toString(actual.shape()) + ", expected " + Arrays.toString(expected.shape()));
        }
        if (expected.dataType() != actual.dataType()) {
            fail(what + ": element type " + actual.dataType() + ", expected " + expected.dataType());
        }
        long n = expected.length();
        if (n == 0) {
            return;
        }
        long[] shape = expected.shape();
        if (expected.dataType().isFPType()) {
            double[] e = flat(expected).castTo(DataType.DOUBLE).toDoubleVector();
            double[] a = flat(actual).castTo(DataType.DOUBLE).toDoubleVector();
            double maxAbs = 0;
            double maxRel = 0;
            double worstExcess = 0;
            int worst = -1;
            int bad = 0;
            for (int i = 0; i < e.length; i++) {
                if (Double.isNaN(e[i]) && Double.isNaN(a[i]) || e[i] == a[i]) {
                    continue; // equal, NaN at the same place, or the same infinity
                }
                double abs = Math.abs(a[i] - e[i]);
                if (Double.isNaN(abs)) {
                    abs = Double.POSITIVE_INFINITY;
                }
                double rel = abs / Math.max(Math.abs(e[i]), Double.MIN_NORMAL);
                maxAbs = Math.max(maxAbs, abs);
                maxRel = Math.max(maxRel, rel);
                double excess = abs - (atol + rtol * Math.abs(e[i]));
                if (excess > 0) {
                    bad++;
                    if (worst < 0 || excess > worstExcess) {
                        worstExcess = excess;
                        worst = i;
                    }
                }
            }
            if (bad > 0) {
                fail(String.format("%s: %d of %d elements exceed |a-b| <= %.1e + %.1e*|b|; max abs err %.3e, max rel err "
                                + "%.3e; worst at %s: got %s, expected %s", what, bad, n, atol, rtol, maxAbs, maxRel,
                        Arrays.toString(index(worst, shape)), a[worst], e[worst]));
            }
        } else {
            long[] e = flat(expected).castTo(DataType.LONG).toLongVector();
            long[] a = flat(actual).castTo(DataType.LONG).toLongVector();
            int bad = 0;
            int first = -1;
            for (int i = 0; i < e.length; i++) {
                if (e[i] != a[i]) {
                    bad++;
                    first = first < 0 ? i : first;
                }
            }
            if (bad > 0) {
                fail(what + ": " + bad + " of " + n + " elements differ (exact comparison of " + expected.dataType()
                        + "); first at " + Arrays.toString(index(first, shape)) + ": got " + a[first] + ", expected "
                        + e[first]);
            }
        }
    }

    private static INDArray flat(INDArray a) {
        return a.dup('c').reshape(a.length());
    }

    private static long[] index(long linear, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = linear % shape[d];
            linear /= shape[d];
        }
        return idx;
    }
}
