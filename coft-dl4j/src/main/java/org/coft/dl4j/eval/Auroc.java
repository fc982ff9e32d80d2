package org.coft.dl4j.eval;

import java.util.Arrays;

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative (ties count
 * half), computed from ranks (Mann–Whitney U) in O(n log n).
 */
public final class Auroc {
    private Auroc() {
    }

    /**
     * @param scores   one score per example
     * @param positive whether each example is positive
     * @return the AUROC, or NaN when either class is empty
     */
    public static double of(double[] scores, boolean[] positive) {
        int n = scores.length;
        if (positive.length != n) {
            throw new IllegalArgumentException(n + " scores but " + positive.length + " flags");
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        double[] rank = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double r = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                rank[order[k]] = r;
            }
            i = j + 1;
        }
        long pos = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (positive[i]) {
                pos++;
                sum += rank[i];
            }
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        return (sum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }
}
