package org.coft.dl4j.phase1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.coft.dl4j.seeds.ShortfallPolicy;
import org.junit.jupiter.api.Test;

/** Each {@code withX} copy changes its own components and keeps every other one. */
class PhaseOneConfigCopyTest {

    @Test
    void everyCopyChangesOnlyItsComponents() {
        PhaseOneConfig d = PhaseOneConfig.defaults();
        PhaseOneConfig c = d.withNegativePrompt(false).withContext(8, "a picture of").withVisual(VisualModule.NONE)
                .withPromptTokens(4).withL2(0.5, 0.03, false).withSeeds(4, ShortfallPolicy.KEEP_FEWER)
                .withTraining(5, 16, 1e-3).withCheckpointEvery(7).withOutputPrior(OutputPrior.NONE).withEnsemble(3)
                .withPrompts(List.of("a {}."), Map.of("cat", List.of("a small pet")));
        PhaseOneConfig expected = new PhaseOneConfig(false, 8, "a picture of", d.contextStd(), VisualModule.NONE, 4,
                d.adapterHidden(), 0.5, 0.03, false, 4, ShortfallPolicy.KEEP_FEWER, List.of("a {}."), 5, 16, 1e-3,
                d.weightDecay(), 7, d.scoreBatch(), Map.of("cat", List.of("a small pet")), OutputPrior.NONE, 3);
        assertEquals(expected, c);
        assertEquals(d, d.withEnsemble(1).withTemplates(d.templates()).withCheckpointEvery(d.checkpointEvery()),
                "copies with the same values are equal");
        assertEquals(List.of("b {}."), c.withTemplates(List.of("b {}.")).templates());
        assertEquals(c.descriptions(), c.withTemplates(List.of("b {}.")).descriptions(), "templates keep descriptions");
    }

    @Test
    void copiesAreValidatedLikeNewConfigs() {
        // CoFT trains its two models, so an ensemble needs the single positive prompt
        assertThrows(IllegalArgumentException.class, () -> PhaseOneConfig.defaults().withEnsemble(2));
    }
}
