package org.coft.dl4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.coft.dl4j.train.PseudoLabelStats;
import org.coft.dl4j.train.StepInfo;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class PseudoLabelStatsTest {
    static StepInfo step(List<String> ids, int[] labels, double[] p) {
        return new StepInfo("A", 0, 1, 1, 1, 0, 0, 0, 1e-3, ids, labels, Nd4j.createFromArray(p));
    }

    @Test
    void countsCleanAndMeasuresAgainstEvaluationLabelsWhenAttached() {
        Map<String, Integer> truth = Map.of("a", 0, "b", 1, "c", 1, "d", 0);
        PseudoLabelStats s = new PseudoLabelStats(truth::get, null);
        s.onStep(step(List.of("a", "b"), new int[] {0, 1}, new double[] {0.9, 0.8}));
        s.onStep(step(List.of("c", "d"), new int[] {2, 0}, new double[] {0.2, 0.6}));
        s.onEpochEnd("A", 0);
        PseudoLabelStats.Epoch e = s.epochs().get(0);
        assertEquals(4, e.examples());
        assertEquals(0.625, e.meanPClean(), 1e-12);
        assertEquals(0.75, e.fractionClean(), 1e-12);
        assertEquals(0.75, e.accuracy(), 1e-12);
        assertEquals(1.0, e.auroc(), 1e-12);
        PseudoLabelStats blind = new PseudoLabelStats(null, null);
        blind.onStep(step(List.of("a"), new int[] {0}, new double[] {0.4}));
        blind.onEpochEnd("A", 0);
        assertTrue(Double.isNaN(blind.epochs().get(0).accuracy()));
    }
}
