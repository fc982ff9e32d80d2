package org.coft.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Keeps the base config unless the best candidate is clearly better by the objective: the candidate replaces it only
 * when its objective exceeds the base config's by more than {@value #Z} standard errors of the difference. The error
 * has two parts: the images (a paired bootstrap, {@value #RESAMPLES} resamples, fixed seed; both runs are scored on
 * the same resampled images) and the runs — how far the same settings move the objective from one run seed to
 * another, measured as the spread of the base config's value over its run and its {@link #REPLICATES} replicate runs
 * with other seeds (both the pick's run and the base's carry that noise, so it counts twice in the variance). The
 * rule is the usual preference for the incumbent under noise with the conventional two standard errors, not tuned
 * on any task; the run part was adopted by a rule fixed before it was measured (arbiter-search README). Label-free:
 * it reads the same evidence as the objective. For a population objective (a rank among the candidates) it compares
 * the mean of the parts ranked by ({@link #compared}).
 *
 * <p>The pick is the best of many candidates by one run, so its own run overstates it (the winner's curse). Where the
 * pick has replicate runs too (with the same other seeds, not used to choose it), a {@link Confirmation} compares
 * their mean with the mean of the base config's runs, again by {@value #Z} standard errors.
 */
public final class BaseGuard {
    public static final double Z = 2.0;
    public static final int RESAMPLES = 200;
    /** Runs of the base config with other seeds (the search's seed + 1, + 2, …) that measure the run noise. */
    public static final int REPLICATES = 2;

    private BaseGuard() {
    }

    /**
     * The comparison of a candidate with the base config.
     *
     * @param imageError   the standard error of the difference from the images (paired bootstrap); NaN when the
     *                     bootstrap could not estimate it (the base config is then kept)
     * @param runSpread    the standard deviation of the compared value over {@code runs} runs of the base config with
     *                     different seeds (NaN when fewer than two: run noise not measured)
     * @param confirmation the pick's replicate runs against the base config's runs, or null where none were compared
     */
    public record Decision(double difference, double imageError, double runSpread, int runs,
                           Confirmation confirmation) {
        /** Without a confirmation (the pick has no replicate runs). */
        public Decision(double difference, double imageError, double runSpread, int runs) {
            this(difference, imageError, runSpread, runs, null);
        }

        /** This decision with the pick's replicate runs compared. */
        Decision with(Confirmation c) {
            return new Decision(difference, imageError, runSpread, runs, c);
        }

        /** The standard error of the difference: the images', and the runs' of both sides where measured. */
        public double standardError() {
            return Math.sqrt(imageError * imageError + (Double.isNaN(runSpread) ? 0 : 2 * runSpread * runSpread));
        }

        /** Whether the pick's own run leads the base config by more than {@value BaseGuard#Z} standard errors. */
        public boolean leads() {
            return difference > Z * standardError(); // false where either is NaN
        }

        /**
         * Whether the candidate replaces the base config: its run {@link #leads()} and, where its replicate runs were
         * made, the {@link Confirmation} passes too.
         */
        public boolean replaceBase() {
            return leads() && (confirmation == null || confirmation.passes());
        }

        public String describe(Objective o) {
            String what = o.population() ? "mean of " + Objective.names(o.rankParts()) : o.cliName();
            String error = Double.isNaN(runSpread)
                    ? String.format(Locale.ROOT, "standard error, paired bootstrap over the images; run noise not "
                    + "measured")
                    : String.format(Locale.ROOT, "standard error: images %.4f by paired bootstrap, runs %.4f = the "
                    + "spread of %d runs of the base config with other seeds", imageError, runSpread, runs);
            String lead = String.format(Locale.ROOT, "%s %+.4f ± %.4f (%s)", what, difference, standardError(), error);
            return confirmation == null ? lead : lead + "; " + confirmation.describe();
        }

        /** For a search's summary file. */
        public java.util.Map<String, Object> toMap() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("difference", difference);
            m.put("standard_error", standardError());
            m.put("image_error", imageError);
            m.put("run_spread", Double.isNaN(runSpread) ? null : runSpread);
            m.put("base_runs", runs);
            m.put("z", Z);
            m.put("leads", leads());
            if (confirmation != null) {
                m.put("confirmation", confirmation.toMap());
            }
            m.put("replace_base", replaceBase());
            return m;
        }
    }

    /**
     * The pick's replicate runs against the base config's runs: the difference of their means of the compared value
     * (the pick's own run, which chose it, left out), its standard error from the images (paired bootstrap of the same
     * difference of means) and the runs (the pooled spread of both configs' runs, for means of {@code pickRuns} and
     * {@code baseRuns} runs).
     */
    public record Confirmation(double difference, double imageError, double runSpread, int baseRuns, int pickRuns) {
        public double standardError() {
            return Math.sqrt(imageError * imageError + runSpread * runSpread * (1.0 / pickRuns + 1.0 / baseRuns));
        }

        /** Whether the replicates' lead is above {@value BaseGuard#Z} standard errors (false where NaN). */
        public boolean passes() {
            return difference > Z * standardError();
        }

        String describe() {
            return String.format(Locale.ROOT, "the pick's %d replicate run(s) against the base config's %d run(s) "
                    + "%+.4f ± %.4f (images %.4f, runs %.4f pooled)", pickRuns, baseRuns, difference, standardError(),
                    imageError, runSpread);
        }

        java.util.Map<String, Object> toMap() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("difference", difference);
            m.put("standard_error", standardError());
            m.put("image_error", imageError);
            m.put("run_spread", runSpread);
            m.put("base_runs", baseRuns);
            m.put("pick_runs", pickRuns);
            m.put("passes", passes());
            return m;
        }
    }

    /**
     * As {@link #decide(Objective, Objective.Evidence, Objective.Evidence, List, long)} without replicate runs: the
     * images' error only.
     */
    public static Decision decide(Objective o, Objective.Evidence base, Objective.Evidence best, long seed) {
        return decide(o, base, best, List.of(), seed);
    }

    /**
     * As {@link #decide(Objective, Objective.Evidence, Objective.Evidence, List, List, long)} without replicate runs of
     * the pick (no {@link Confirmation}).
     */
    public static Decision decide(Objective o, Objective.Evidence base, Objective.Evidence best,
                                  List<Objective.Evidence> baseAgain, long seed) {
        return decide(o, base, best, baseAgain, List.of(), seed);
    }

    /**
     * @param baseAgain the base config's evidence from runs with other seeds (may be empty: then the run noise is not
     *                  measured and only the images' error counts)
     * @param bestAgain the pick's evidence from runs with the same other seeds (may be empty: then no
     *                  {@link Confirmation}; none either while the runs give no spread)
     * @throws IllegalArgumentException when the runs were not on the same images
     */
    public static Decision decide(Objective o, Objective.Evidence base, Objective.Evidence best,
                                  List<Objective.Evidence> baseAgain, List<Objective.Evidence> bestAgain, long seed) {
        int n = base.zeroShot().length;
        for (Objective.Evidence e : concat(List.of(best), baseAgain, bestAgain)) {
            if (e.zeroShot().length != n) {
                throw new IllegalArgumentException("evidence of " + n + " and " + e.zeroShot().length + " images");
            }
        }
        List<Objective.Evidence> baseRuns = concat(List.of(base), baseAgain);
        double[] values = values(o, baseRuns);
        double spread = values.length < 2 ? Double.NaN : standardDeviation(values);
        double diff = compared(o, best) - compared(o, base);
        Decision d = new Decision(diff, imageError(diff, n, seed,
                rows -> compared(o, best.rows(rows)) - compared(o, base.rows(rows))), spread, values.length);
        double[] again = values(o, bestAgain);
        if (again.length == 0 || values.length + again.length < 3) {
            return d;
        }
        double pooled = Math.sqrt((sumOfSquares(values) + sumOfSquares(again)) / (values.length + again.length - 2));
        double lead = mean(again) - mean(values);
        return d.with(new Confirmation(lead, imageError(lead, n, seed,
                rows -> mean(values(o, rows(bestAgain, rows))) - mean(values(o, rows(baseRuns, rows)))), pooled,
                values.length, again.length));
    }

    @SafeVarargs
    private static List<Objective.Evidence> concat(List<Objective.Evidence>... parts) {
        List<Objective.Evidence> all = new ArrayList<>();
        for (List<Objective.Evidence> p : parts) {
            all.addAll(p);
        }
        return all;
    }

    private static List<Objective.Evidence> rows(List<Objective.Evidence> runs, int[] rows) {
        return runs.stream().map(e -> e.rows(rows)).toList();
    }

    /** The compared values of runs, NaN left out. */
    private static double[] values(Objective o, List<Objective.Evidence> runs) {
        return runs.stream().mapToDouble(e -> compared(o, e)).filter(v -> !Double.isNaN(v)).toArray();
    }

    private static double mean(double[] v) {
        return v.length == 0 ? Double.NaN : Arrays.stream(v).average().orElse(Double.NaN);
    }

    /** The sum of squared deviations from the mean (about the first value: equal values give exactly 0). */
    private static double sumOfSquares(double[] v) {
        double mean = Arrays.stream(v).map(x -> x - v[0]).average().orElse(Double.NaN);
        double sq = 0;
        for (double x : v) {
            double d = x - v[0] - mean;
            sq += d * d;
        }
        return sq;
    }

    /** The sample standard deviation (n − 1), about the first value (equal values give exactly 0). */
    static double standardDeviation(double[] v) {
        return Math.sqrt(sumOfSquares(v) / (v.length - 1));
    }

    /**
     * What the guard compares on one run: the objective's value, or for a {@link Objective#population() population
     * objective} (a rank among candidates, which moves in whole steps and says nothing of how far apart two runs are)
     * the mean of its parts' values — the pick must lead the base config on what it was ranked by, beyond noise.
     */
    static double compared(Objective o, Objective.Evidence e) {
        if (!o.population()) {
            return o.value(e);
        }
        double s = 0;
        for (Objective p : o.rankParts()) {
            s += p.value(e);
        }
        return s / o.rankParts().size();
    }

    /**
     * The images' standard error of a difference: its spread over {@value #RESAMPLES} resamples of the n images (NaN
     * when the difference is NaN or fewer than two resamples give a value; the base config is then kept).
     */
    private static double imageError(double diff, int n, long seed, java.util.function.ToDoubleFunction<int[]> onRows) {
        SplittableRandom rng = new SplittableRandom(seed);
        double sum = 0;
        double sq = 0;
        int k = 0;
        int[] rows = new int[n];
        for (int b = 0; b < RESAMPLES; b++) {
            for (int i = 0; i < n; i++) {
                rows[i] = rng.nextInt(n);
            }
            double d = onRows.applyAsDouble(rows);
            if (!Double.isNaN(d)) {
                sum += d;
                sq += d * d;
                k++;
            }
        }
        if (k < 2 || Double.isNaN(diff)) {
            return Double.NaN;
        }
        double mean = sum / k;
        return Math.sqrt(Math.max(0, (sq - k * mean * mean) / (k - 1)));
    }
}
