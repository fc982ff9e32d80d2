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
                BaseGuard.Decision d = eb == null || ep == null ? null : BaseGuard.decide(ob, eb, ep, seed);
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
            e.put("spearman", Double.isNaN(r.spearman()) ? null : r.spearman());
            e.put("pick", r.pick());
            e.put("pick_accuracy", r.pickAccuracy());
            e.put("guarded_pick", r.guardedPick() < 0 ? null : r.guardedPick());
            e.put("guarded_accuracy", Double.isNaN(r.guardedAccuracy()) ? null : r.guardedAccuracy());
            rows.add(e);
        }
        m.put("objectives", rows);
        return m;
    }
}
