package org.coft.search;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Keeps the base config unless the best candidate is clearly better by the objective: the candidate replaces it only
 * when its objective exceeds the base config's by more than {@value #Z} standard errors of the difference, the error
 * estimated by a paired bootstrap over the images ({@value #RESAMPLES} resamples, fixed seed; both runs are scored on
 * the same resampled images). The rule is the usual preference for the incumbent under noise; its threshold is the
 * conventional two standard errors, not tuned on any task. Label-free: it reads the same evidence as the objective.
 * For a population objective (a rank among the candidates) it compares the mean of the parts ranked by
 * ({@link #compared}).
 */
public final class BaseGuard {
    public static final double Z = 2.0;
    public static final int RESAMPLES = 200;

    private BaseGuard() {
    }

    /** The comparison of a candidate with the base config. */
    public record Decision(double difference, double standardError, boolean replaceBase) {
        public String describe(Objective o) {
            String what = o.population() ? "mean of " + Objective.names(o.rankParts()) : o.cliName();
            return String.format(Locale.ROOT, "%s %+.4f ± %.4f (standard error, paired bootstrap over the images)",
                    what, difference, standardError);
        }
    }

    /** @throws IllegalArgumentException when the two runs were not on the same images */
    public static Decision decide(Objective o, Objective.Evidence base, Objective.Evidence best, long seed) {
        int n = base.zeroShot().length;
        if (best.zeroShot().length != n) {
            throw new IllegalArgumentException("evidence of " + n + " and " + best.zeroShot().length + " images");
        }
        return bootstrap(compared(o, best) - compared(o, base), n, seed,
                rows -> compared(o, best.rows(rows)) - compared(o, base.rows(rows)));
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

    /** The decision on a difference, its standard error from {@value #RESAMPLES} resamples of the n images. */
    private static Decision bootstrap(double diff, int n, long seed, java.util.function.ToDoubleFunction<int[]> onRows) {
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
            return new Decision(diff, Double.NaN, false);
        }
        double mean = sum / k;
        double se = Math.sqrt(Math.max(0, (sq - k * mean * mean) / (k - 1)));
        return new Decision(diff, se, diff > Z * se);
    }
}
