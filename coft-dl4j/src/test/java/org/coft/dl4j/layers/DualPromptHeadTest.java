package org.coft.dl4j.layers;

import static org.coft.dl4j.PlainMath.dot;
import static org.coft.dl4j.PlainMath.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The dual-prompt head and L1 + λ·L2 against a plain double-precision reference, values and gradients. */
class DualPromptHeadTest {
    static final int B = 5;
    static final int C = 4;
    static final int D = 6;
    static final double SCALE = 20.0;
    static final double TAU = 0.07;
    static final double LAMBDA = 0.7;
    static final int[] Y = {0, 3, 1, 1, 2};
    static final int[] COMP = {2, 0, 3, 0, 1};

    /** Reference loss; parts: 0 = L1 + λ L2, 1 = L1 only, 2 = L2 only. */
    static double reference(double[][] f, double[][] tp, double[][] tn, int part) {
        double l1 = 0;
        double l2 = 0;
        for (int b = 0; b < B; b++) {
            double[] fn = unit(f[b]);
            double[] sp = new double[C];
            double[] sn = new double[C];
            for (int c = 0; c < C; c++) {
                sp[c] = dot(fn, unit(tp[c]));
                sn[c] = dot(fn, unit(tn[c]));
            }
            double max = Double.NEGATIVE_INFINITY;
            for (double s : sp) {
                max = Math.max(max, SCALE * s);
            }
            double z = 0;
            for (double s : sp) {
                z += Math.exp(SCALE * s - max);
            }
            l1 += -(SCALE * sp[Y[b]] - max - Math.log(z));
            double py = 1 / (1 + Math.exp(-(sp[Y[b]] - sn[Y[b]]) / TAU));
            double pc = 1 / (1 + Math.exp(-(sp[COMP[b]] - sn[COMP[b]]) / TAU));
            l2 += -(Math.log(py) + Math.log(1 - pc));
        }
        l1 /= B;
        l2 /= B;
        return part == 0 ? l1 + LAMBDA * l2 : part == 1 ? l1 : l2;
    }


    static double[][] fd(double[][] x, java.util.function.DoubleSupplier f) {
        double[][] g = new double[x.length][x[0].length];
        double h = 1e-6;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                double keep = x[i][j];
                x[i][j] = keep + h;
                double up = f.getAsDouble();
                x[i][j] = keep - h;
                double down = f.getAsDouble();
                x[i][j] = keep;
                g[i][j] = (up - down) / (2 * h);
            }
        }
        return g;
    }

    static INDArray oneHot(int[] idx) {
        INDArray o = Nd4j.zeros(DataType.FLOAT, idx.length, C);
        for (int i = 0; i < idx.length; i++) {
            o.putScalar(i, idx[i], 1f);
        }
        return o;
    }

    void check(boolean l2ToVisual) {
        INDArray fi = PromptLearner.gaussian(new long[] {B, D}, 3, 0.3).castTo(DataType.DOUBLE);
        INDArray tpi = PromptLearner.gaussian(new long[] {C, D}, 4, 0.3).castTo(DataType.DOUBLE);
        INDArray tni = tpi.add(PromptLearner.gaussian(new long[] {C, D}, 5, 0.3).castTo(DataType.DOUBLE)
                .muli(0.1));
        double[][] f = fi.toDoubleMatrix();
        double[][] tp = tpi.toDoubleMatrix();
        double[][] tn = tni.toDoubleMatrix();
        SameDiff sd = SameDiff.create();
        SDVariable img = sd.var("img", fi.castTo(DataType.FLOAT));
        SDVariable pos = sd.var("pos", tpi.castTo(DataType.FLOAT));
        SDVariable neg = sd.var("neg", tni.castTo(DataType.FLOAT));
        SDVariable y = sd.placeHolder("y", DataType.FLOAT, -1, C);
        SDVariable comp = sd.placeHolder("comp", DataType.FLOAT, -1, C);
        SDVariable loss = DualPromptHead.define(sd, img, pos, neg, y, comp, SCALE, TAU, LAMBDA, l2ToVisual);
        sd.setLossVariables(loss);
        var og = sd.calculateGradientsAndOutputs(Map.of("y", oneHot(Y), "comp", oneHot(COMP)),
                List.of(DualPromptHead.LOSS, DualPromptHead.L1, DualPromptHead.L2), List.of("img", "pos", "neg"));
        assertEquals(reference(f, tp, tn, 0), og.getOutputs().get(DualPromptHead.LOSS).getDouble(0), 1e-4);
        assertEquals(reference(f, tp, tn, 1), og.getOutputs().get(DualPromptHead.L1).getDouble(0), 1e-4);
        assertEquals(reference(f, tp, tn, 2), og.getOutputs().get(DualPromptHead.L2).getDouble(0), 1e-4);
        compare("d/d pos", fd(tp, () -> reference(f, tp, tn, 0)), og.getGradients().get("pos"));
        compare("d/d neg", fd(tn, () -> reference(f, tp, tn, 0)), og.getGradients().get("neg"));
        // without L2 into the visual side the image gradient is L1's alone
        compare("d/d img", fd(f, () -> reference(f, tp, tn, l2ToVisual ? 0 : 1)), og.getGradients().get("img"));
    }

    static void compare(String what, double[][] want, INDArray got) {
        double[][] g = got.castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int i = 0; i < want.length; i++) {
            for (int j = 0; j < want[0].length; j++) {
                assertEquals(want[i][j], g[i][j], 2e-4 + 1e-3 * Math.abs(want[i][j]), what + " [" + i + "," + j + "]");
            }
        }
    }

    @Test
    void lossesAndGradientsMatchPlainMath() {
        check(true);
    }

    @Test
    void stopGradientKeepsL2OutOfTheVisualSide() {
        check(false);
    }
}
