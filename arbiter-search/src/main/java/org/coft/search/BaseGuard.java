package org.coft.search;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Keeps the base config unless the best candidate is clearly better by the objective: the candidate replaces it only
 * when its objective exceeds the base config's by more than {@value #Z} standard errors of the difference, the error
 * estimated by a paired bootstrap over the images ({@value #RESAMPLES} resamples, fixed seed; both runs are scored on
 * the same resampled images). The rule is the usual preference for the incumbent under noise; its threshold is the
 * conventional two standard errors, not tuned on any task. Label-free: it reads the same evidence as the objective.
 */
public final class BaseGuard {
    public static final double Z = 2.0;
    public static final int RESAMPLES = 200;

    private BaseGuard() {
    }

    /** The comparison of a candidate with the base config. */
    public record Decision(double difference, double standardError, boolean replaceBase) {
        public String describe(Objective o) {
            return String.format(Locale.ROOT, "%s %+.4f ± %.4f (standard error, paired bootstrap over the images)",
                    o.cliName(), difference, standardError);
        }
    }

    /** @throws IllegalArgumentException when the two runs were not on the same images */
    public static Decision decide(Objective o, Objective.Evidence base, Objective.Evidence best, long seed) {
        int n = base.zeroShot().length;
        if (best.zeroShot().length != n) {
            throw new IllegalArgumentException("evidence of " + n + " and " + best.zeroShot().length + " images");
        }
        double diff = o.value(best) - o.value(base);
        SplittableRandom rng = new SplittableRandom(seed);
        double sum = 0;
        double sq = 0;
        int k = 0;
        int[] rows = new int[n];
        for (int b = 0; b < RESAMPLES; b++) {
            for (int i = 0; i < n; i++) {
                rows[i] = rng.nextInt(n);
            }
            double d = o.value(best.rows(rows)) - o.value(base.rows(rows));
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
