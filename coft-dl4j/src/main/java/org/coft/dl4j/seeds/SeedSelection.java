package org.coft.dl4j.seeds;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Seed selection (UPL / CoFT step 1): every unlabeled example gets its zero-shot arg-max class; per class the K
 * examples predicted as that class with the highest probability become seeds. A pure function of the scores
 * and the ids: ties are broken by id, so the result never depends on the order the examples came in.
 */
public final class SeedSelection {
    private SeedSelection() {
    }

    /**
     * @param probabilities [N, C] zero-shot class probabilities (rows need not sum to one; any monotone score works)
     * @param ids           the N example ids (unique)
     * @param k             seeds per class, at least 1
     * @param policy        what to do for classes with fewer than K candidates
     */
    public static SeedSet topKPerClass(INDArray probabilities, List<String> ids, int k, ShortfallPolicy policy) {
        if (probabilities.rank() != 2 || probabilities.size(0) != ids.size()) {
            throw new IllegalArgumentException("probabilities must be [" + ids.size() + ", classes], got "
                    + java.util.Arrays.toString(probabilities.shape()));
        }
        return topKPerClass(probabilities.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleMatrix(), ids, k,
                policy);
    }

    /** As {@link #topKPerClass(INDArray, List, int, ShortfallPolicy)} on a plain [N][C] matrix. */
    public static SeedSet topKPerClass(double[][] p, List<String> ids, int k, ShortfallPolicy policy) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        int n = p.length;
        if (n != ids.size()) {
            throw new IllegalArgumentException(n + " score rows but " + ids.size() + " ids");
        }
        if (n == 0) {
            throw new IllegalArgumentException("no examples to select seeds from");
        }
        int c = p[0].length;
        int[] argmax = new int[n];
        List<List<Integer>> byClass = new ArrayList<>();
        for (int j = 0; j < c; j++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            if (p[i].length != c) {
                throw new IllegalArgumentException("row " + i + " (" + ids.get(i) + ") has " + p[i].length
                        + " scores, expected " + c);
            }
            int best = 0;
            for (int j = 1; j < c; j++) {
                if (p[i][j] > p[i][best]) {
                    best = j;
                }
            }
            if (Double.isNaN(p[i][best])) {
                throw new IllegalArgumentException("score of " + ids.get(i) + " is NaN");
            }
            argmax[i] = best;
            byClass.get(best).add(i);
        }
        boolean[] taken = new boolean[n];
        int[] predicted = new int[c];
        int[] selected = new int[c];
        int[] filled = new int[c];
        List<List<Seed>> perClass = new ArrayList<>();
        for (int j = 0; j < c; j++) {
            final int cls = j;
            List<Integer> cand = byClass.get(j);
            predicted[j] = cand.size();
            cand.sort(order(p, ids, cls));
            List<Seed> s = new ArrayList<>();
            for (int i : cand.subList(0, Math.min(k, cand.size()))) {
                s.add(new Seed(i, ids.get(i), j, p[i][j], false));
                taken[i] = true;
            }
            perClass.add(s);
        }
        if (policy == ShortfallPolicy.FILL_BY_SCORE) {
            for (int j = 0; j < c; j++) {
                List<Seed> s = perClass.get(j);
                if (s.size() >= k) {
                    continue;
                }
                List<Integer> rest = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (!taken[i]) {
                        rest.add(i);
                    }
                }
                rest.sort(order(p, ids, j));
                for (int i : rest.subList(0, Math.min(k - s.size(), rest.size()))) {
                    s.add(new Seed(i, ids.get(i), j, p[i][j], true));
                    taken[i] = true;
                    filled[j]++;
                }
            }
        }
        List<Seed> all = new ArrayList<>();
        for (int j = 0; j < c; j++) {
            selected[j] = perClass.get(j).size();
            all.addAll(perClass.get(j));
        }
        return new SeedSet(all, c, k, predicted, selected, filled);
    }

    private static Comparator<Integer> order(double[][] p, List<String> ids, int cls) {
        return (a, b) -> {
            int cmp = Double.compare(p[b][cls], p[a][cls]);
            return cmp != 0 ? cmp : ids.get(a).compareTo(ids.get(b));
        };
    }
}
