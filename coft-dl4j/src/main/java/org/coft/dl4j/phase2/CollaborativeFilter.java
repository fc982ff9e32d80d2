package org.coft.dl4j.phase2;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * CoFT's collaborative filtering (arXiv 2602.04337, Phase II input): model A labels every image with its positive
 * prompts (arg-max of s⁺_A); the label is kept iff model B's own prompts agree it is clean, s⁺_B(ŷ_A) > s⁻_B(ŷ_A) —
 * and symmetrically for B's labels checked by A. The negative prompt acts as a per-sample, per-class threshold, so
 * no confidence threshold is set by hand. Images kept by neither form the rejected ("noise") set. A pure function
 * of the two models' scores.
 */
public final class CollaborativeFilter {
    private CollaborativeFilter() {
    }

    /** One model's scores for all images: s⁺ and s⁻ [N, C] (cosine similarities; logits work the same). */
    public record Scores(INDArray sPos, INDArray sNeg) {
        public Scores {
            if (sPos == null || sNeg == null || sPos.rank() != 2 || !java.util.Arrays.equals(sPos.shape(), sNeg.shape())) {
                throw new IllegalArgumentException("s+ and s- must be two [N, C] arrays of the same shape");
            }
        }
    }

    /**
     * @param labelsA   A's label per image (arg-max of s⁺_A)
     * @param keptByB   whether B validated A's label
     * @param labelsB   B's label per image
     * @param keptByA   whether A validated B's label
     * @param rejected  indices of images kept in neither clean set
     */
    public record Result(int[] labelsA, boolean[] keptByB, int[] labelsB, boolean[] keptByA, int[] rejected) {
        public int cleanA() {
            return count(keptByB);
        }

        public int cleanB() {
            return count(keptByA);
        }

        /** Images where both models' labels were kept and are the same class. */
        public int agreedClean() {
            int n = 0;
            for (int i = 0; i < labelsA.length; i++) {
                n += keptByB[i] && keptByA[i] && labelsA[i] == labelsB[i] ? 1 : 0;
            }
            return n;
        }

        private static int count(boolean[] b) {
            int n = 0;
            for (boolean x : b) {
                n += x ? 1 : 0;
            }
            return n;
        }

        /** One line of statistics. */
        public String summary() {
            return String.format("collaborative filtering: %d images; A's labels kept by B %d (%.1f %%), B's kept by A %d "
                    + "(%.1f %%), both kept and agreeing %d, rejected by both %d", labelsA.length, cleanA(),
                    100.0 * cleanA() / labelsA.length, cleanB(), 100.0 * cleanB() / labelsA.length, agreedClean(),
                    rejected.length);
        }
    }

    public static Result filter(Scores a, Scores b) {
        if (!java.util.Arrays.equals(a.sPos().shape(), b.sPos().shape())) {
            throw new IllegalArgumentException("models A and B scored different shapes: "
                    + java.util.Arrays.toString(a.sPos().shape()) + " vs " + java.util.Arrays.toString(b.sPos().shape()));
        }
        double[][] pa = a.sPos().castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] na = a.sNeg().castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] pb = b.sPos().castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] nb = b.sNeg().castTo(DataType.DOUBLE).toDoubleMatrix();
        int n = pa.length;
        int[] la = new int[n];
        int[] lb = new int[n];
        boolean[] kb = new boolean[n];
        boolean[] ka = new boolean[n];
        List<Integer> rejected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            la[i] = argmax(pa[i]);
            lb[i] = argmax(pb[i]);
            kb[i] = pb[i][la[i]] > nb[i][la[i]];
            ka[i] = pa[i][lb[i]] > na[i][lb[i]];
            if (!kb[i] && !ka[i]) {
                rejected.add(i);
            }
        }
        return new Result(la, kb, lb, ka, rejected.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Index of the largest value (the first of ties). */
    public static int argmax(double[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) {
            if (v[j] > v[best]) {
                best = j;
            }
        }
        return best;
    }
}
