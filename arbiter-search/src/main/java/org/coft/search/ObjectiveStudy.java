package org.coft.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How well each objective of a finished search predicts accuracy, given each candidate's accuracy (measured
 * afterwards on labels the search never saw): Spearman's ρ over the candidates, the accuracy of the candidate each
 * objective picks, the best candidate's (oracle) and candidate 0's (the base config).
 */
public final class ObjectiveStudy {
    private ObjectiveStudy() {
    }

    /**
     * One objective's row.
     *
     * @param guardedPick     the candidate the {@link BaseGuard} keeps (the pick, or 0), −1 without evidence
     * @param guardedAccuracy its accuracy (NaN without evidence)
     */
    public record Row(Objective objective, double spearman, int pick, double pickAccuracy, int guardedPick,
                      double guardedAccuracy) { }

    /** The study of one search. */
    public record Study(int candidates, double oracle, int oracleIndex, double base, List<Row> rows) {
        /** Markdown table lines. */
        public List<String> markdown(String task) {
            List<String> out = new ArrayList<>();
            out.add(String.format(Locale.ROOT, "%s: %d candidates; oracle %.2f %% (candidate %d), base config %.2f %%",
                    task, candidates, 100 * oracle, oracleIndex, 100 * base));
            out.add("");
            out.add("| objective | Spearman ρ | pick | pick accuracy | pick − oracle | pick − base | guarded pick | "
                    + "guarded − oracle | guarded − base |");
            out.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (Row r : rows) {
                boolean g = r.guardedPick() >= 0;
                out.add(String.format(Locale.ROOT, "| %s | %s | %d | %.2f %% | %+.2f | %+.2f | %s | %s | %s |",
                        r.objective().cliName(), Double.isNaN(r.spearman()) ? "–"
                                : String.format(Locale.ROOT, "%.3f", r.spearman()), r.pick(), 100 * r.pickAccuracy(),
                        100 * (r.pickAccuracy() - oracle), 100 * (r.pickAccuracy() - base),
                        g ? Integer.toString(r.guardedPick()) : "–",
                        g ? String.format(Locale.ROOT, "%+.2f", 100 * (r.guardedAccuracy() - oracle)) : "–",
                        g ? String.format(Locale.ROOT, "%+.2f", 100 * (r.guardedAccuracy() - base)) : "–"));
            }
            return out;
        }
    }

    /**
     * @param outcomes the finished candidates
     * @param accuracy candidate index → accuracy
     */
    public static Study study(List<Outcome> outcomes, Map<Integer, Double> accuracy, List<Objective> objectives) {
        return study(outcomes, accuracy, objectives, (i, o) -> null, 0);
    }

    /**
     * As above, with each objective's {@link BaseGuard}ed pick where {@code evidence} gives the runs' evidence.
     *
     * @param evidence (candidate, objective) → the evidence that objective can be computed from, or null
     * @param seed     the guard's bootstrap seed (the search's)
     */
    public static Study study(List<Outcome> outcomes, Map<Integer, Double> accuracy, List<Objective> objectives,
                              java.util.function.BiFunction<Integer, Objective, Objective.Evidence> evidence,
                              long seed) {
        return study(outcomes, accuracy, objectives, evidence, i -> List.of(), seed);
    }

    /**
     * As above, the guard also counting the run noise measured by the base config's replicate runs and, where a pick
     * has replicate runs (a search with {@code confirmPick}), {@link BaseGuard.Confirmation confirming} its lead.
     *
     * @param replicates candidate → the evidence of its runs with other seeds (the search's {@code replicates/}; the
     *                   base config's for candidate 0), empty where it has none
     */
    public static Study study(List<Outcome> outcomes, Map<Integer, Double> accuracy, List<Objective> objectives,
                              java.util.function.BiFunction<Integer, Objective, Objective.Evidence> evidence,
                              java.util.function.IntFunction<List<Objective.Evidence>> replicates, long seed) {
        // population objectives rank exactly the candidates studied
        List<Outcome> os = Outcome.withStandings(outcomes.stream().filter(o -> accuracy.containsKey(o.index()))
                .toList());
        if (os.isEmpty()) {
            throw new IllegalArgumentException("no candidate has an accuracy");
        }
        double[] acc = os.stream().mapToDouble(o -> accuracy.get(o.index())).toArray();
        int oracle = 0;
        for (int i = 1; i < acc.length; i++) {
            if (acc[i] > acc[oracle]) {
                oracle = i;
            }
        }
        double base = accuracy.getOrDefault(0, Double.NaN);
        List<Row> rows = new ArrayList<>();
        for (Objective ob : objectives) {
            double[] v = os.stream().mapToDouble(o -> o.value(ob)).toArray();
            if (Arrays.stream(v).allMatch(Double::isNaN)) {
                continue;
            }
            int pick = -1;
            for (int i = 0; i < v.length; i++) {
                if (!Double.isNaN(v[i]) && (pick < 0 || v[i] > v[pick])) {
                    pick = i;
                }
            }
            int guarded = -1;
            double guardedAcc = Double.NaN;
            int pi = os.get(pick).index();
            if (pi == 0 && accuracy.containsKey(0)) {
                guarded = 0;
                guardedAcc = base;
            } else if (accuracy.containsKey(0)) {
                Objective.Evidence eb = evidence.apply(0, ob);
                Objective.Evidence ep = evidence.apply(pi, ob);
                BaseGuard.Decision d = eb == null || ep == null ? null
                        : BaseGuard.decide(ob, eb, ep, replicates.apply(0), replicates.apply(pi), seed);
                if (d != null) {
                    guarded = d.replaceBase() ? pi : 0;
                    guardedAcc = accuracy.get(guarded);
                }
            }
            rows.add(new Row(ob, spearman(v, acc), pi, acc[pick], guarded, guardedAcc));
        }
        return new Study(os.size(), acc[oracle], os.get(oracle).index(), base, List.copyOf(rows));
    }

    /** Spearman's rank correlation (average ranks for ties; pairs with a NaN are left out; NaN under 3 pairs). */
    public static double spearman(double[] a, double[] b) {
        List<double[]> pairs = new ArrayList<>();
        for (int i = 0; i < a.length; i++) {
            if (!Double.isNaN(a[i]) && !Double.isNaN(b[i])) {
                pairs.add(new double[] {a[i], b[i]});
            }
        }
        if (pairs.size() < 3) {
            return Double.NaN;
        }
        double[] x = ranks(pairs.stream().mapToDouble(p -> p[0]).toArray());
        double[] y = ranks(pairs.stream().mapToDouble(p -> p[1]).toArray());
        return pearson(x, y);
    }

    /** Random halvings of the images {@link #reliability} averages over. */
    public static final int SPLITS = 200;

    /**
     * How reliably the measured accuracies rank the candidates: an objective can correlate with the measured accuracy
     * only as well as the measured accuracy ranks the candidates.
     *
     * @param splits    the random halvings of the images it averages over (those on which ρ is defined)
     * @param undefined the halvings left out: every candidate scored the same on one half, so it ranks nothing
     * @param splitHalf the mean over those halvings of the Spearman ρ between the candidates' accuracies on one half
     *                  and on the other
     * @param low       its 5th percentile over the halvings
     * @param high      its 95th percentile
     * @param full      the reliability at the full number of images (Spearman–Brown, 2r / (1 + r))
     * @param ceiling   about the Spearman ρ with the measured accuracy of an objective that tracked the candidates'
     *                  expected accuracy exactly, √full (attenuation by the accuracy's own sampling noise)
     */
    public record Reliability(int splits, int undefined, double splitHalf, double low, double high, double full,
                              double ceiling) {
        public String describe() {
            return String.format(Locale.ROOT, "accuracy ranking: split-half ρ %.3f (5–95 %% %.3f..%.3f over %d random "
                    + "halvings of the images%s), reliability %.3f at the full size, ceiling of an objective's ρ ≈ %.3f",
                    splitHalf, low, high, splits, undefined == 0 ? "" : "; " + undefined + " more left out, a half on "
                    + "which every candidate scored the same", full, ceiling);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("splits", splits);
            m.put("splits_left_out", undefined);
            m.put("split_half_rho", nullIfNaN(splitHalf));
            m.put("split_half_rho_5", nullIfNaN(low));
            m.put("split_half_rho_95", nullIfNaN(high));
            m.put("reliability", nullIfNaN(full));
            m.put("rho_ceiling", nullIfNaN(ceiling));
            return m;
        }
    }

    /** A value for JSON: null where it is NaN. */
    private static Object nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /**
     * The split-half reliability of the accuracy ranking ({@link Reliability}): {@code splits} random halvings of the
     * images (a seeded shuffle, the first ⌊N/2⌋ one half), Spearman ρ between the candidates' accuracies on the two
     * halves, averaged and stepped up to the full size.
     *
     * @param correct {@code correct[c][i]}: whether candidate c predicted image i right (the same images, in the same
     *                order, for every candidate)
     * @throws IllegalArgumentException for fewer than two candidates or images, or candidates of unequal image counts
     */
    public static Reliability reliability(boolean[][] correct, int splits, long seed) {
        int m = correct.length;
        if (m < 2 || splits < 1) {
            throw new IllegalArgumentException("the reliability of a ranking needs two candidates or more and a split ("
                    + m + " candidate(s), " + splits + " split(s))");
        }
        int n = correct[0].length;
        for (int c = 1; c < m; c++) {
            if (correct[c].length != n) {
                throw new IllegalArgumentException("candidates scored on " + n + " and " + correct[c].length
                        + " images");
            }
        }
        if (n < 2) {
            throw new IllegalArgumentException("the reliability of a ranking needs two images or more");
        }
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int half = n / 2;
        double[] rs = new double[splits];
        for (int s = 0; s < splits; s++) {
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            double[] a = new double[m];
            double[] b = new double[m];
            for (int c = 0; c < m; c++) {
                int ka = 0;
                int kb = 0;
                for (int k = 0; k < n; k++) {
                    if (correct[c][order[k]]) {
                        if (k < half) {
                            ka++;
                        } else {
                            kb++;
                        }
                    }
                }
                a[c] = (double) ka / half;
                b[c] = (double) kb / (n - half);
            }
            rs[s] = spearman(a, b);
        }
        // a half on which every candidate scored the same ranks nothing (ρ undefined): left out, and counted
        double[] sorted = Arrays.stream(rs).filter(v -> !Double.isNaN(v)).sorted().toArray();
        int k = sorted.length;
        if (k == 0) {
            return new Reliability(0, splits, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double r = Arrays.stream(sorted).average().orElseThrow();
        double full = r > -1 ? 2 * r / (1 + r) : Double.NaN;
        return new Reliability(k, splits - k, r, sorted[k / 20], sorted[k - 1 - k / 20], full,
                Double.isNaN(full) ? Double.NaN : Math.sqrt(Math.max(full, 0)));
    }

    /** Ranks from 1 (the smallest value), ties sharing their mean rank. */
    public static double[] ranks(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (p, q) -> Double.compare(v[p], v[q]));
        double[] r = new double[v.length];
        int i = 0;
        while (i < v.length) {
            int j = i;
            while (j + 1 < v.length && v[idx[j + 1]] == v[idx[i]]) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[idx[k]] = avg;
            }
            i = j + 1;
        }
        return r;
    }

    static double pearson(double[] x, double[] y) {
        double mx = Arrays.stream(x).average().orElse(0);
        double my = Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /** JSON-friendly form. */
    public static Map<String, Object> toMap(Study s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("candidates", s.candidates());
        m.put("oracle_accuracy", s.oracle());
        m.put("oracle_candidate", s.oracleIndex());
        m.put("base_accuracy", s.base());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Row r : s.rows()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("objective", r.objective().cliName());
            e.put("supervised", r.objective().supervised());
            e.put("spearman", nullIfNaN(r.spearman()));
            e.put("pick", r.pick());
            e.put("pick_accuracy", r.pickAccuracy());
            e.put("guarded_pick", r.guardedPick() < 0 ? null : r.guardedPick());
            e.put("guarded_accuracy", nullIfNaN(r.guardedAccuracy()));
            rows.add(e);
        }
        m.put("objectives", rows);
        return m;
    }
}
