package org.coft.dl4j.seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;

/**
 * The supervised few-shot reference (CoOp with K labelled shots per class): K examples per class drawn at random
 * (seeded) from examples with known labels. This is the one place labels become training targets, and only for
 * the reference method {@code coop}, which is reported as supervised; the label-free methods never call it.
 */
public final class LabelledShots {
    private LabelledShots() {
    }

    /**
     * @param ids    example ids, in the run's order (positions are the seeds' indices)
     * @param labels id → true class
     * @param k      shots per class (classes with fewer examples give all they have)
     */
    public static SeedSet draw(List<String> ids, ToIntFunction<String> labels, int classes, int k, long seed) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < ids.size(); i++) {
            byClass.get(labels.applyAsInt(ids.get(i))).add(i);
        }
        SplittableRandom r = new SplittableRandom(seed);
        List<Seed> seeds = new ArrayList<>();
        int[] count = new int[classes];
        int[] selected = new int[classes];
        for (int c = 0; c < classes; c++) {
            List<Integer> pool = byClass.get(c);
            count[c] = pool.size();
            for (int i = pool.size() - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                Integer t = pool.get(i);
                pool.set(i, pool.get(j));
                pool.set(j, t);
            }
            for (int i : pool.subList(0, Math.min(k, pool.size()))) {
                seeds.add(new Seed(i, ids.get(i), c, 1.0, false));
                selected[c]++;
            }
        }
        return new SeedSet(seeds, classes, k, count, selected, new int[classes]);
    }
}
