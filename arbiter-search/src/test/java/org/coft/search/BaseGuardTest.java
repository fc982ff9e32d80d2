package org.coft.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BaseGuardTest {
    /** n images, 4 classes; the final predictions cycle over the first {@code used} classes (balance grows with it). */
    static Objective.Evidence evidence(int n, int used, int flip) {
        double[][] p = new double[n][4];
        int[] pred = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i < flip ? (i + 1) % used : i % used;
            p[i][c] = 1;
            pred[i] = c;
        }
        return new Objective.Evidence(p, p, null, p, p, pred, pred, new boolean[n], Double.NaN);
    }

    @Test
    void aClearGainReplacesTheBaseANoiseLevelOneDoesNot() {
        Objective.Evidence base = evidence(2000, 3, 0);
        Objective.Evidence better = evidence(2000, 4, 0);
        BaseGuard.Decision d = BaseGuard.decide(Objective.BALANCE, base, better, 1);
        assertTrue(d.difference() > 0.1 && d.replaceBase(), d.toString());
        // the same run against itself: no difference, no replacement
        BaseGuard.Decision same = BaseGuard.decide(Objective.BALANCE, base, base, 1);
        assertEquals(0.0, same.difference(), 0.0);
        assertFalse(same.replaceBase());
        // one image of 40 moved to another class: a small gain in balance, within the noise
        Objective.Evidence even = evidence(40, 4, 0);
        Objective.Evidence uneven = evidence(40, 4, 1);
        BaseGuard.Decision small = BaseGuard.decide(Objective.BALANCE, uneven, even, 3);
        assertTrue(small.difference() > 0 && small.standardError() > 0, small.toString());
        assertFalse(small.replaceBase(), small.toString());
        // the bootstrap is seeded: the same decision and error each time
        assertEquals(small, BaseGuard.decide(Objective.BALANCE, uneven, even, 3));
    }

    /** n images of 2 classes (alternating), every mix of image i partnered with i + 1; the first {@code kept} keep. */
    static Objective.Evidence probed(int n, int keptInter, int keptIntra) {
        double[][] p = new double[n][2];
        int[] pred = new int[n];
        int[] partner = new int[n];
        int[] mixed = new int[n];
        int inter = 0;
        int intra = 0;
        for (int i = 0; i < n; i++) {
            pred[i] = i % 2;
            p[i][pred[i]] = 1;
            // the first half partner another class, the second half their own
            partner[i] = i < n / 2 ? 1 - pred[i] : pred[i];
            boolean keep = i < n / 2 ? inter++ < keptInter : intra++ < keptIntra;
            mixed[i] = keep ? pred[i] : 1 - pred[i];
        }
        return new Objective.Evidence(p, p, null, p, p, pred, pred, new boolean[n], Double.NaN, null, mixed, partner);
    }

    @Test
    void aPopulationObjectiveIsGuardedOnTheMeanOfItsParts() {
        // 1,000 images (500 inter, 500 intra probes): a rank says "first" for a lead of one mix as for a lead of a
        // hundred; the guard compares the probes themselves
        Objective.Evidence base = probed(1000, 300, 400);
        Objective.Evidence close = probed(1000, 301, 401);
        Objective.Evidence clear = probed(1000, 400, 480);
        BaseGuard.Decision c = BaseGuard.decide(Objective.MIXVAL_RANK, base, clear, 5);
        assertEquals((100 / 500.0 + 80 / 500.0) / 2, c.difference(), 1e-12);
        assertTrue(c.replaceBase(), c.toString());
        BaseGuard.Decision n = BaseGuard.decide(Objective.MIXVAL_RANK, base, close, 5);
        assertEquals(1 / 500.0, n.difference(), 1e-12);
        assertFalse(n.replaceBase(), "one mix of 500 is noise: " + n);
        assertEquals(n, BaseGuard.decide(Objective.MIXVAL_RANK, base, close, 5), "seeded");
        assertTrue(n.describe(Objective.MIXVAL_RANK).startsWith("mean of mixval-inter, mixval-intra +0.0020"),
                n.describe(Objective.MIXVAL_RANK));
    }

    @Test
    void runNoiseCountsTwiceBesideTheImages() {
        // a lead of 0.06 on both probes of 1,000 images: clear on the images alone
        Objective.Evidence base = probed(1000, 300, 400);
        Objective.Evidence pick = probed(1000, 330, 430);
        BaseGuard.Decision images = BaseGuard.decide(Objective.MIXVAL_RANK, base, pick, java.util.List.of(), 5);
        assertEquals(0.06, images.difference(), 1e-12);
        assertTrue(images.replaceBase() && images.runs() == 1 && Double.isNaN(images.runSpread()), images.toString());
        assertEquals(images.imageError(), images.standardError(), 0.0);
        assertEquals(images, BaseGuard.decide(Objective.MIXVAL_RANK, base, pick, 5), "no replicates: the same");
        // the base config run with two other seeds: compared values 0.70, 0.66, 0.74 — spread 0.04
        java.util.List<Objective.Evidence> again = java.util.List.of(probed(1000, 280, 380), probed(1000, 320, 420));
        BaseGuard.Decision runs = BaseGuard.decide(Objective.MIXVAL_RANK, base, pick, again, 5);
        assertEquals(3, runs.runs());
        assertEquals(0.04, runs.runSpread(), 1e-12);
        assertEquals(images.imageError(), runs.imageError(), 0.0, "the same bootstrap");
        assertEquals(Math.sqrt(runs.imageError() * runs.imageError() + 2 * 0.04 * 0.04), runs.standardError(), 1e-12);
        assertFalse(runs.replaceBase(), "0.06 is within 2 standard errors of run noise 0.04: " + runs);
        assertTrue(runs.describe(Objective.MIXVAL_RANK).contains("runs 0.0400 = the spread of 3 runs of the base "
                + "config with other seeds"), runs.describe(Objective.MIXVAL_RANK));
        // identical replicates: no run noise, the images decide
        BaseGuard.Decision still = BaseGuard.decide(Objective.MIXVAL_RANK, base, pick, java.util.List.of(base, base), 5);
        assertEquals(0.0, still.runSpread(), 0.0);
        assertTrue(still.replaceBase(), still.toString());
    }

    /**
     * The pick's replicate runs (seeds that did not choose it) against the base config's runs: hand-worked on the
     * probes. The pick's own run leads by 0.20, far beyond the run noise; its two replicates say whether that lead was
     * the pick's or its lucky run's.
     */
    @Test
    void thePicksReplicateRunsConfirmItsLeadOrNot() {
        Objective.Evidence base = probed(1000, 300, 400); // compared value 0.70
        java.util.List<Objective.Evidence> baseAgain = java.util.List.of(probed(1000, 280, 380),
                probed(1000, 320, 420)); // 0.66, 0.74: mean 0.70, squares 0.0032
        Objective.Evidence pick = probed(1000, 400, 500); // 0.90
        BaseGuard.Decision alone = BaseGuard.decide(Objective.MIXVAL_RANK, base, pick, baseAgain, 5);
        assertTrue(alone.leads() && alone.confirmation() == null && alone.replaceBase(), alone.toString());
        assertEquals(alone, BaseGuard.decide(Objective.MIXVAL_RANK, base, pick, baseAgain, java.util.List.of(), 5),
                "no replicates of the pick: the decision of before");
        // lucky: its other runs give 0.72 and 0.76 (mean 0.74, squares 0.0008)
        java.util.List<Objective.Evidence> lucky = java.util.List.of(probed(1000, 310, 410), probed(1000, 330, 430));
        BaseGuard.Decision l = BaseGuard.decide(Objective.MIXVAL_RANK, base, pick, baseAgain, lucky, 5);
        assertEquals(alone.difference(), l.difference(), 0.0);
        assertEquals(alone.standardError(), l.standardError(), 0.0, "the pick's own run is judged as before");
        BaseGuard.Confirmation c = l.confirmation();
        assertEquals(0.04, c.difference(), 1e-12);
        assertEquals(3, c.baseRuns());
        assertEquals(2, c.pickRuns());
        double pooled = Math.sqrt((0.0032 + 0.0008) / 3);
        assertEquals(pooled, c.runSpread(), 1e-12);
        assertEquals(Math.sqrt(c.imageError() * c.imageError() + pooled * pooled * (1.0 / 2 + 1.0 / 3)),
                c.standardError(), 1e-12);
        assertTrue(c.imageError() > 0, c.toString());
        assertFalse(c.passes(), "0.04 is within 2 standard errors of the runs alone (2 × 0.0333): " + c);
        assertTrue(l.describe(Objective.MIXVAL_RANK).contains("the pick's 2 replicate run(s) against the base "
                + "config's 3 run(s) +0.0400"), l.describe(Objective.MIXVAL_RANK));
        assertEquals(Boolean.FALSE, ((java.util.Map<?, ?>) l.toMap().get("confirmation")).get("passes"));
        // real: its other runs give 0.88 and 0.92
        java.util.List<Objective.Evidence> real = java.util.List.of(probed(1000, 380, 500), probed(1000, 420, 500));
        BaseGuard.Decision r = BaseGuard.decide(Objective.MIXVAL_RANK, base, pick, baseAgain, real, 5);
        assertEquals(0.20, r.confirmation().difference(), 1e-12);
        assertEquals(pooled, r.confirmation().runSpread(), 1e-12);
        assertTrue(r.confirmation().passes() && r.replaceBase(), r.toString());
        assertEquals(r, BaseGuard.decide(Objective.MIXVAL_RANK, base, pick, baseAgain, real, 5), "seeded");
        // one run on each side cannot give a spread: no confirmation
        assertEquals(null, BaseGuard.decide(Objective.MIXVAL_RANK, base, pick, java.util.List.of(),
                java.util.List.of(real.get(0)), 5).confirmation());
    }
}
