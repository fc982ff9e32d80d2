package org.coft.dl4j.phase2;

import static org.coft.dl4j.PlainMath.dot;
import static org.coft.dl4j.PlainMath.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.coft.dl4j.layers.PromptLearner;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** InfoNCE against a double-precision reference, value and gradient with respect to the queries. */
class ContrastiveLossTest {
    static final double TAU = 0.2;

    static double reference(double[][] q, double[][] k, double[][] n) {
        double total = 0;
        for (int b = 0; b < q.length; b++) {
            double[] qn = unit(q[b]);
            double[] l = new double[1 + n.length];
            l[0] = dot(qn, unit(k[b])) / TAU;
            for (int j = 0; j < n.length; j++) {
                l[1 + j] = dot(qn, unit(n[j])) / TAU;
            }
            double max = java.util.Arrays.stream(l).max().getAsDouble();
            double z = 0;
            for (double v : l) {
                z += Math.exp(v - max);
            }
            total += -(l[0] - max - Math.log(z));
        }
        return total / q.length;
    }


    @Test
    void matchesPlainMathIncludingTheQueryGradient() {
        INDArray q = PromptLearner.gaussian(new long[] {3, 5}, 1, 1.0);
        INDArray k = q.add(PromptLearner.gaussian(new long[] {3, 5}, 2, 0.3));
        INDArray n = PromptLearner.gaussian(new long[] {4, 5}, 3, 1.0);
        SameDiff sd = SameDiff.create();
        SDVariable qv = sd.var("q", q);
        SDVariable loss = ContrastiveLoss.define(sd, qv, sd.placeHolder("k", DataType.FLOAT, -1, 5),
                sd.placeHolder("n", DataType.FLOAT, -1, 5), TAU);
        sd.setLossVariables(loss);
        var og = sd.calculateGradientsAndOutputs(Map.of("k", k, "n", n), List.of(ContrastiveLoss.LOSS), List.of("q"));
        double[][] qd = q.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] kd = k.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] nd = n.castTo(DataType.DOUBLE).toDoubleMatrix();
        assertEquals(reference(qd, kd, nd), og.getOutputs().get(ContrastiveLoss.LOSS).getDouble(0), 1e-4);
        double[][] g = og.getGradients().get("q").castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int i = 0; i < qd.length; i++) {
            for (int j = 0; j < qd[0].length; j++) {
                double keep = qd[i][j];
                qd[i][j] = keep + 1e-6;
                double up = reference(qd, kd, nd);
                qd[i][j] = keep - 1e-6;
                double down = reference(qd, kd, nd);
                qd[i][j] = keep;
                double want = (up - down) / 2e-6;
                assertEquals(want, g[i][j], 2e-4 + 1e-3 * Math.abs(want), "dL/dq[" + i + "," + j + "]");
            }
        }
    }
}
