package org.coft.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Each objective on small hand-worked tables. */
class ObjectiveTest {
    // 6 images, 3 classes
    static final double[][] ZS = {
        {0.9, 0.05, 0.05}, {0.6, 0.3, 0.1}, {0.1, 0.8, 0.1}, {0.2, 0.5, 0.3}, {0.1, 0.1, 0.8}, {0.3, 0.3, 0.4}};
    static final double[][] FIN = {
        {0.7, 0.2, 0.1}, {0.1, 0.8, 0.1}, {0.2, 0.7, 0.1}, {0.1, 0.6, 0.3}, {0.1, 0.2, 0.7}, {0.5, 0.2, 0.3}};
    static final double[][] AUG = {
        {0.6, 0.3, 0.1}, {0.1, 0.8, 0.1}, {0.2, 0.3, 0.5}, {0.1, 0.6, 0.3}, {0.1, 0.2, 0.7}, {0.1, 0.2, 0.7}};
    static final double[][] PC = {
        {0.9, 0.1, 0.1}, {0.3, 0.6, 0.0}, {0.2, 0.8, 0.2}, {0.5, 0.5, 0.5}, {0.0, 0.0, 1.0}, {0.6, 0.3, 0.3}};
    static final int[] A = {0, 1, 1, 1, 2, 0};
    static final int[] B = {0, 0, 1, 2, 2, 0};
    static final boolean[] SEED = {true, false, false, false, true, false};

    static Objective.Evidence evidence() {
        return new Objective.Evidence(ZS, FIN, AUG, PC, PC, A, B, SEED, 0.5);
    }

    @Test
    void handWorkedValues() {
        Objective.Evidence e = evidence();
        assertEquals(4.0 / 6, Objective.PHASE1_AGREEMENT.value(e), 1e-12);
        // final argmax 0,1,1,1,2,0; augmented 0,1,2,1,2,2 → 4 of 6 agree
        assertEquals(4.0 / 6, Objective.STABILITY.value(e), 1e-12);
        // total variation per image: 0.1, 0, 0.4, 0, 0, 0.4 (images 2 and 5 change class, image 0 only confidence)
        assertEquals(1 - 0.9 / 6, Objective.SOFT_STABILITY.value(e), 1e-12);
        // histogram 2,3,1 of 6: entropy / log 3
        double h = -(2 / 6.0 * Math.log(2 / 6.0) + 3 / 6.0 * Math.log(3 / 6.0) + 1 / 6.0 * Math.log(1 / 6.0));
        assertEquals(h / Math.log(3), Objective.BALANCE.value(e), 1e-12);
        // anchors: zero-shot argmax 0,0,1,1,2,2; top fifth (at least one) per class: image 0 (0.9), 2 (0.8), 4 (0.8)
        // final agrees on 0, 2, 4 → 1.0
        assertEquals(1.0, Objective.ANCHOR_AGREEMENT.value(e), 1e-12);
        assertEquals((0.7 + 0.8 + 0.7 + 0.6 + 0.7 + 0.5) / 6, Objective.CONFIDENCE.value(e), 1e-12);
        // separation, model A on non-seeds 1,2,3,5: pc[pred] − mean(others): 1: 0.6−0.15, 2: 0.8−0.2, 3: 0.5−0.5,
        // 5: 0.6−0.3 → mean 0.3375; mapped (s + 1) / 2; model B: 1: 0.3−0.3, 2: 0.6, 3: 0.0, 5: 0.3 → 0.225
        double a = (0.45 + 0.6 + 0.0 + 0.3) / 4;
        double b = (0.0 + 0.6 + 0.0 + 0.3) / 4;
        assertEquals(((a + 1) / 2 + (b + 1) / 2) / 2, Objective.PCLEAN_SEPARATION.value(e), 1e-12);
        // prior fit: smoothed histogram (2.5, 3.5, 1.5) / 7.5 against zero-shot's mean probability
        double[] q = {2.5 / 7.5, 3.5 / 7.5, 1.5 / 7.5};
        double[] pi = {2.2 / 6, 2.05 / 6, 1.75 / 6};
        double kl = 0;
        for (int k = 0; k < 3; k++) {
            kl += q[k] * Math.log(q[k] / pi[k]);
        }
        assertEquals(Math.exp(-kl), Objective.PRIOR_FIT.value(e), 1e-12);
        double comb = (Objective.ANCHOR_AGREEMENT.value(e) + Objective.BALANCE.value(e)
                + Objective.STABILITY.value(e)) / 3;
        assertEquals(comb, Objective.COMBINED.value(e), 1e-12);
        assertEquals(0.5, Objective.VALIDATION_ACCURACY.value(e));
    }

    @Test
    void missingEvidenceIsNaNAndCombinedUsesTheRest() {
        Objective.Evidence e = new Objective.Evidence(ZS, FIN, null, PC, PC, A, B, SEED, Double.NaN);
        assertTrue(Double.isNaN(Objective.STABILITY.value(e)));
        assertTrue(Double.isNaN(Objective.SOFT_STABILITY.value(e)));
        assertTrue(Double.isNaN(Objective.VALIDATION_ACCURACY.value(e)));
        double comb = (Objective.ANCHOR_AGREEMENT.value(e) + Objective.BALANCE.value(e)) / 2;
        assertEquals(comb, Objective.COMBINED.value(e), 1e-12);
    }

    @Test
    void collapseScoresLow() {
        double[][] collapsed = new double[6][];
        for (int i = 0; i < 6; i++) {
            collapsed[i] = new double[] {0.1, 0.8, 0.1};
        }
        Objective.Evidence e = new Objective.Evidence(ZS, collapsed, collapsed, PC, PC, A, B, SEED, Double.NaN);
        assertEquals(0.0, Objective.BALANCE.value(e), 1e-12);
        assertTrue(Objective.PRIOR_FIT.value(e) < Objective.PRIOR_FIT.value(evidence()));
        assertEquals(1.0 / 3, Objective.ANCHOR_AGREEMENT.value(e), 1e-12, "only the class-1 anchor agrees");
    }

    @Test
    void phaseTwoChangeIsTheShareMovedAwayFromPhaseOne() {
        // Phase I argmax 0,1,2,1,2,1; final argmax 0,1,1,1,2,0 → images 2 and 5 moved: 2 of 6
        double[][] p1 = {
            {0.8, 0.1, 0.1}, {0.2, 0.7, 0.1}, {0.2, 0.3, 0.5}, {0.1, 0.6, 0.3}, {0.1, 0.1, 0.8}, {0.3, 0.4, 0.3}};
        Objective.Evidence e = new Objective.Evidence(ZS, FIN, AUG, PC, PC, A, B, SEED, Double.NaN, p1);
        assertEquals(2.0 / 6, Objective.PHASE2_CHANGE.value(e), 1e-12);
        assertEquals(0.0, Objective.PHASE2_CHANGE.value(new Objective.Evidence(ZS, FIN, AUG, PC, PC, A, B, SEED,
                Double.NaN, FIN)), 1e-12, "a Phase II that changes nothing");
        assertTrue(Double.isNaN(Objective.PHASE2_CHANGE.value(evidence())), "no Phase I classifier recorded");
        assertTrue(Objective.PHASE2_CHANGE.needsClassifier());
        assertTrue(!Objective.COMBINED_PARTS.contains(Objective.PHASE2_CHANGE));
        // resampled rows carry Phase I's classifier along
        assertEquals(1.0, Objective.PHASE2_CHANGE.value(e.rows(new int[] {2, 5, 2})), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new Objective.Evidence(ZS, FIN, AUG, PC, PC, A, B, SEED,
                Double.NaN, new double[][] {{1, 0, 0}}));
    }

    @Test
    void mixedSampleProbesCountTheMixesThatKeepTheDominantImagesLabel() {
        // final argmax 0,1,1,1,2,0; partners' predictions 1,1,-(none),0,0,2 → inter rows 0,3,4,5; intra row 1
        int[] partner = {1, 1, -1, 0, 0, 2};
        int[] mixed = {0, 2, 1, 1, 0, 0};
        Objective.Evidence e = new Objective.Evidence(ZS, FIN, AUG, PC, PC, A, B, SEED, Double.NaN, null, mixed,
                partner);
        // inter: rows 0 (0 = 0 kept), 3 (1 = 1 kept), 4 (0 ≠ 2), 5 (0 = 0 kept) → 3 of 4
        assertEquals(3.0 / 4, Objective.MIXVAL_INTER.value(e), 1e-12);
        // intra: row 1 (2 ≠ 1) → 0 of 1
        assertEquals(0.0, Objective.MIXVAL_INTRA.value(e), 1e-12);
        assertTrue(Double.isNaN(Objective.MIXVAL_INTER.value(evidence())), "no probes recorded");
        assertTrue(Objective.MIXVAL_INTER.needsClassifier() && Objective.MIXVAL_INTRA.needsClassifier());
        // resampled rows carry their probes along: rows 4, 4, 1 → inter 0 of 2, intra 0 of 1
        assertEquals(0.0, Objective.MIXVAL_INTER.value(e.rows(new int[] {4, 4, 1})), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new Objective.Evidence(ZS, FIN, AUG, PC, PC, A, B, SEED,
                Double.NaN, null, mixed, null));
        assertThrows(IllegalArgumentException.class, () -> new Objective.Evidence(ZS, FIN, AUG, PC, PC, A, B, SEED,
                Double.NaN, null, new int[] {0}, new int[] {0}));
    }

    @Test
    void rankStandingOnHandWorkedParts() {
        // part 1 ranks 3,1,2,(–); part 2 ranks 2,1,3 → scaled (r − 1) / 2: (1, 0, 0.5) and (0.5, 0, 1) → means
        double[][] parts = {{0.9, 0.1, 0.5, Double.NaN}, {0.4, 0.2, 0.8, 0.3}};
        double[] s = Objective.standing(parts);
        assertEquals(0.75, s[0], 1e-12);
        assertEquals(0.0, s[1], 1e-12);
        assertEquals(0.75, s[2], 1e-12);
        assertTrue(Double.isNaN(s[3]), "a candidate lacking a part is not ranked");
        // ties share their mean rank: (1.5, 1.5, 3) → (0.25, 0.25, 1)
        double[] t = Objective.standing(new double[][] {{2, 2, 5}});
        assertEquals(0.25, t[0], 1e-12);
        assertEquals(1.0, t[2], 1e-12);
        assertEquals(1.0, Objective.standing(new double[][] {{0.3}, {0.4}})[0], 1e-12, "a candidate alone is first");
        assertEquals(java.util.List.of(Objective.MIXVAL_INTER, Objective.MIXVAL_INTRA),
                Objective.MIXVAL_RANK.rankParts());
        assertTrue(Objective.MIXVAL_RANK.population() && Objective.MIXVAL_RANK.needsClassifier());
        assertTrue(!Objective.MIXVAL_INTER.population());
        assertTrue(Double.isNaN(Objective.MIXVAL_RANK.value(evidence())), "one run has no standing");
    }

    @Test
    void withStandingsFillsThePopulationObjectiveOverTheGivenCandidates() {
        org.coft.dl4j.adapt.CoftConfig c = org.coft.dl4j.adapt.CoftConfig.coft();
        java.util.List<Outcome> os = java.util.List.of(
                new Outcome(0, java.util.Map.of(), c, java.util.Map.of(Objective.MIXVAL_INTER, 0.5,
                        Objective.MIXVAL_INTRA, 0.9), 1, -1),
                new Outcome(1, java.util.Map.of(), c, java.util.Map.of(Objective.MIXVAL_INTER, 0.6,
                        Objective.MIXVAL_INTRA, 0.95), 1, -1),
                new Outcome(2, java.util.Map.of(), c, java.util.Map.of(Objective.MIXVAL_INTER, 0.4,
                        Objective.MIXVAL_INTRA, 0.97), 1, -1));
        java.util.List<Outcome> st = Outcome.withStandings(os);
        // inter ranks 2,3,1 → 0.5,1,0; intra ranks 1,2,3 → 0,0.5,1
        assertEquals(0.25, st.get(0).value(Objective.MIXVAL_RANK), 1e-12);
        assertEquals(0.75, st.get(1).value(Objective.MIXVAL_RANK), 1e-12);
        assertEquals(0.5, st.get(2).value(Objective.MIXVAL_RANK), 1e-12);
        assertEquals(0.6, st.get(1).value(Objective.MIXVAL_INTER), 0.0, "the stored values are kept");
        assertTrue(Double.isNaN(os.get(0).value(Objective.MIXVAL_RANK)), "the input is not changed");
        // the standing is among exactly the candidates given
        assertEquals(1.0, Outcome.withStandings(os.subList(0, 2)).get(1).value(Objective.MIXVAL_RANK), 1e-12);
    }

    @Test
    void parseNamesTheChoices() {
        assertEquals(Objective.PRIOR_FIT, Objective.parse("prior-fit"));
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> Objective.parse("accuracy"));
        assertTrue(x.getMessage().contains("unknown objective 'accuracy'") && x.getMessage().contains("combined"),
                x.getMessage());
        assertTrue(Objective.VALIDATION_ACCURACY.supervised());
        assertTrue(Objective.labelFree().stream().noneMatch(Objective::supervised));
    }

    @Test
    void evidenceOfMismatchedSizesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Objective.Evidence(ZS, FIN, AUG, PC, PC,
                new int[] {0}, B, SEED, Double.NaN));
    }
}
