package org.coft.dl4j.phase2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.coft.dl4j.phase1.DualPromptModel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Which labels Phase II trains on, per filter and clean-set rule, on a hand-worked example (4 images, 2 classes). */
class PhaseTwoLabelsTest {
    // A labels 0, 1, 0, 1; B labels 0, 0, 1, 1 (arg-max of s+; logits = 10 s+)
    static final double[][] POS_A = {{0.9, 0.1}, {0.2, 0.8}, {0.6, 0.5}, {0.1, 0.9}};
    static final double[][] NEG_A = {{0.5, 0.5}, {0.5, 0.5}, {0.5, 0.7}, {0.5, 0.5}};
    static final double[][] POS_B = {{0.7, 0.2}, {0.6, 0.4}, {0.3, 0.4}, {0.2, 0.8}};
    static final double[][] NEG_B = {{0.6, 0.1}, {0.1, 0.5}, {0.35, 0.1}, {0.1, 0.3}};

    static DualPromptModel.Scores scores(double[][] pos, double[][] neg) {
        INDArray p = Nd4j.createFromArray(pos);
        return new DualPromptModel.Scores(p.mul(10), p, neg == null ? null : Nd4j.createFromArray(neg), null);
    }

    static PhaseTwo.Labels labels(PhaseTwoConfig.Filter f, PhaseTwoConfig.CleanSets c) {
        return PhaseTwo.labels(PhaseTwoConfig.defaults().withFilter(f, c), scores(POS_A, NEG_A), scores(POS_B, NEG_B));
    }

    @Test
    void crossModelFilteringKeepsWhatTheOtherModelValidates() {
        // A's labels checked by B: img0 c0 0.7 > 0.6 yes; img1 c1 0.4 > 0.5 no; img2 c0 0.3 > 0.35 no; img3 c1 0.8 > 0.3 yes
        // B's labels checked by A: img0 c0 0.9 > 0.5 yes; img1 c0 0.2 > 0.5 no; img2 c1 0.5 > 0.7 no; img3 c1 0.9 > 0.5 yes
        PhaseTwo.Labels e = labels(PhaseTwoConfig.Filter.CROSS, PhaseTwoConfig.CleanSets.ENSEMBLE);
        assertEquals(List.of("A", "B"), List.copyOf(e.perNetwork().keySet()));
        assertArrayEquals(new int[] {0, -1, -1, 1}, e.perNetwork().get("A"));
        assertArrayEquals(new int[] {0, -1, -1, 1}, e.perNetwork().get("B"));
        PhaseTwo.Labels u = labels(PhaseTwoConfig.Filter.CROSS, PhaseTwoConfig.CleanSets.UNION);
        assertArrayEquals(new int[] {0, -1, -1, 1}, u.perNetwork().get("U"));
        assertTrue(u.summary().contains("A's kept 2 (50.0 %)"), u.summary());
    }

    @Test
    void selfValidationUsesEachModelsOwnPrompts() {
        // A's own: img0 c0 0.9 > 0.5 yes; img1 c1 0.8 > 0.5 yes; img2 c0 0.6 > 0.5 yes; img3 c1 0.9 > 0.5 yes
        // B's own: img0 c0 0.7 > 0.6 yes; img1 c0 0.6 > 0.1 yes; img2 c1 0.4 > 0.1 yes; img3 c1 0.8 > 0.3 yes
        PhaseTwo.Labels e = labels(PhaseTwoConfig.Filter.SELF, PhaseTwoConfig.CleanSets.ENSEMBLE);
        assertArrayEquals(new int[] {0, 1, 0, 1}, e.perNetwork().get("A"));
        assertArrayEquals(new int[] {0, 0, 1, 1}, e.perNetwork().get("B"));
        // the union leaves out images whose two kept labels disagree (img1, img2)
        PhaseTwo.Labels u = labels(PhaseTwoConfig.Filter.SELF, PhaseTwoConfig.CleanSets.UNION);
        assertArrayEquals(new int[] {0, -1, -1, 1}, u.perNetwork().get("U"));
        assertTrue(u.summary().contains("2 conflicting labels left out"), u.summary());
    }

    @Test
    void agreementAndNoFilterNeedNoNegativePrompts() {
        var cfg = PhaseTwoConfig.defaults().withFilter(PhaseTwoConfig.Filter.AGREEMENT, PhaseTwoConfig.CleanSets.UNION);
        PhaseTwo.Labels agree = PhaseTwo.labels(cfg, scores(POS_A, null), scores(POS_B, null));
        assertArrayEquals(new int[] {0, -1, -1, 1}, agree.perNetwork().get("U"));
        var none = PhaseTwo.labels(cfg.withFilter(PhaseTwoConfig.Filter.NONE, PhaseTwoConfig.CleanSets.ENSEMBLE),
                scores(POS_A, null), scores(POS_B, null));
        assertArrayEquals(new int[] {0, 1, 0, 1}, none.perNetwork().get("A"));
        assertArrayEquals(new int[] {0, 0, 1, 1}, none.perNetwork().get("B"));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> PhaseTwo.labels(
                PhaseTwoConfig.defaults(), scores(POS_A, null), scores(POS_B, null)));
        assertTrue(ex.getMessage().contains("negative prompts"), ex.getMessage());
    }

    @Test
    void configFieldsAreValidatedByName() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> PhaseTwoConfig.defaults().withTraining(0, 64, 1e-4));
        assertTrue(ex.getMessage().contains("phase2.epochs"), ex.getMessage());
        assertEquals(0.5, PhaseTwoConfig.plus().gamma());
        assertTrue(PhaseTwoConfig.plus().contrastive() && !PhaseTwoConfig.defaults().contrastive());
    }
}
