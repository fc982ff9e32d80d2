package org.coft.dl4j.phase1;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The class prior of a classifier's output, matched on the images it was adapted on (ours; the paper is silent).
 * A classifier learnt from pseudo labels carries the bias of the labels it learnt from: some classes are predicted
 * far more often than others. {@link #UNIFORM} fits one logit offset per class, {@code b}, such that over the
 * adaptation images the mean of {@code softmax(log p + b)} is the uniform prior — the equipartition assumption of
 * self-labelling (Asano et al., ICLR 2020) and the distribution alignment of ReMixMatch (Berthelot et al., ICLR 2020),
 * applied once, after training. The offsets are stored with the classifier and applied to every image it classifies
 * afterwards (new images included), so the classifier stays inductive. It assumes the task's classes are about
 * equally frequent among the adaptation images; {@link #NONE} for a task where they are not.
 */
public enum OutputPrior {
    /** The classifier's probabilities as they are. */
    NONE,
    /** Offsets fitted so that the adaptation images' mean prediction is uniform over the classes. */
    UNIFORM;

    /** Iterations of the fit at most; it stops earlier once the mean prediction is uniform to 1e-9. */
    static final int MAX_ITERATIONS = 10_000;

    /**
     * The offsets {@code b} [C] (natural-log units, mean 0) for which the mean over rows of
     * {@code normalize(p ⊙ exp(b))} is uniform: the fixed point of {@code b ← b + ½ (log(1/C) − log mean)}, from
     * {@code b = 0}.
     *
     * @param probabilities [N, C] class probabilities of the adaptation images (rows sum to 1)
     */
    public static double[] fit(INDArray probabilities) {
        double[][] p = probabilities.castTo(DataType.DOUBLE).toDoubleMatrix();
        if (p.length == 0) {
            throw new IllegalArgumentException("output prior: no images to fit it on");
        }
        int c = p[0].length;
        double[] b = new double[c];
        double target = Math.log(1.0 / c);
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            double[] mean = mean(p, b);
            double worst = 0;
            for (int j = 0; j < c; j++) {
                if (mean[j] <= 0) {
                    throw new IllegalArgumentException("output prior: class " + j + " has probability 0 on every "
                            + "image; no offset makes its share uniform");
                }
                double step = target - Math.log(mean[j]);
                worst = Math.max(worst, Math.abs(step));
                b[j] += 0.5 * step;
            }
            if (worst < 1e-9) {
                break;
            }
        }
        double avg = 0;
        for (double v : b) {
            avg += v / c;
        }
        for (int j = 0; j < c; j++) {
            b[j] -= avg;
        }
        return b;
    }

    /** {@code normalize(p ⊙ exp(b))} row by row [N, C] (double); {@code probabilities} itself when b is null. */
    public static INDArray apply(INDArray probabilities, double[] bias) {
        if (bias == null) {
            return probabilities;
        }
        if (probabilities.columns() != bias.length) {
            throw new IllegalArgumentException("output prior: " + bias.length + " offsets for "
                    + probabilities.columns() + " classes");
        }
        double[][] p = probabilities.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] out = new double[p.length][];
        for (int i = 0; i < p.length; i++) {
            out[i] = row(p[i], bias);
        }
        return p.length == 0 ? probabilities.castTo(DataType.DOUBLE) : Nd4j.createFromArray(out);
    }

    private static double[] row(double[] p, double[] b) {
        double[] q = new double[p.length];
        double sum = 0;
        for (int j = 0; j < p.length; j++) {
            q[j] = p[j] * Math.exp(b[j]);
            sum += q[j];
        }
        for (int j = 0; j < p.length; j++) {
            q[j] /= sum;
        }
        return q;
    }

    private static double[] mean(double[][] p, double[] b) {
        double[] m = new double[b.length];
        for (double[] r : p) {
            double[] q = row(r, b);
            for (int j = 0; j < b.length; j++) {
                m[j] += q[j] / p.length;
            }
        }
        return m;
    }
}
