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
     * @param imageError the standard error of the difference from the images (paired bootstrap)
     * @param imageError NaN when the bootstrap could not estimate it (the base config is then kept)
     * @param runSpread  the standard deviation of the compared value over {@code runs} runs of the base config with
     *                   different seeds (NaN when fewer than two: run noise not measured)
     */
    public record Decision(double difference, double imageError, double runSpread, int runs) {
        /** The standard error of the difference: the images', and the runs' of both sides where measured. */
        public double standardError() {
            return Math.sqrt(imageError * imageError + (Double.isNaN(runSpread) ? 0 : 2 * runSpread * runSpread));
        }

        /** Whether the candidate replaces the base config: its lead is above {@value BaseGuard#Z} standard errors. */
        public boolean replaceBase() {
            return difference > Z * standardError(); // false where either is NaN
        }

        public String describe(Objective o) {
            String what = o.population() ? "mean of " + Objective.names(o.rankParts()) : o.cliName();
            String error = Double.isNaN(runSpread)
                    ? String.format(Locale.ROOT, "standard error, paired bootstrap over the images; run noise not "
                    + "measured")
                    : String.format(Locale.ROOT, "standard error: images %.4f by paired bootstrap, runs %.4f = the "
                    + "spread of %d runs of the base config with other seeds", imageError, runSpread, runs);
            return String.format(Locale.ROOT, "%s %+.4f ± %.4f (%s)", what, difference, standardError(), error);
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
            m.put("replace_base", replaceBase());
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
     * @param baseAgain the base config's evidence from runs with other seeds (may be empty: then the run noise is not
     *                  measured and only the images' error counts)
     * @throws IllegalArgumentException when the two runs were not on the same images
     */
    public static Decision decide(Objective o, Objective.Evidence base, Objective.Evidence best,
                                  List<Objective.Evidence> baseAgain, long seed) {
        int n = base.zeroShot().length;
        if (best.zeroShot().length != n) {
            throw new IllegalArgumentException("evidence of " + n + " and " + best.zeroShot().length + " images");
        }
        List<Objective.Evidence> runs = new ArrayList<>();
        runs.add(base);
        runs.addAll(baseAgain);
        double[] values = runs.stream().mapToDouble(e -> compared(o, e)).filter(v -> !Double.isNaN(v)).toArray();
        double spread = values.length < 2 ? Double.NaN : standardDeviation(values);
        return bootstrap(compared(o, best) - compared(o, base), n, seed,
                rows -> compared(o, best.rows(rows)) - compared(o, base.rows(rows)), spread, values.length);
    }

    /** The sample standard deviation (n − 1), about the first value (equal values give exactly 0). */
    static double standardDeviation(double[] v) {
        double mean = Arrays.stream(v).map(x -> x - v[0]).average().orElse(Double.NaN);
        double sq = 0;
        for (double x : v) {
            double d = x - v[0] - mean;
            sq += d * d;
        }
        return Math.sqrt(sq / (v.length - 1));
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

    /** The decision on a difference, the images' part of its error from {@value #RESAMPLES} resamples of the n images. */
    private static Decision bootstrap(double diff, int n, long seed, java.util.function.ToDoubleFunction<int[]> onRows,
                                      double runSpread, int runs) {
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
            return new Decision(diff, Double.NaN, runSpread, runs);
        }
        double mean = sum / k;
        return new Decision(diff, Math.sqrt(Math.max(0, (sq - k * mean * mean) / (k - 1))), runSpread, runs);
    }
}
