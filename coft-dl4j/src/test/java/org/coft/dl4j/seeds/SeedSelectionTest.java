package org.coft.dl4j.seeds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Top-K per class against hand-worked examples. */
class SeedSelectionTest {
    // 6 examples, 3 classes: arg-max classes 0,0,0,1,0,1 — class 2 is never predicted
    static final double[][] P = {
        {0.7, 0.2, 0.1}, {0.9, 0.05, 0.05}, {0.5, 0.1, 0.4}, {0.2, 0.6, 0.2}, {0.6, 0.1, 0.3}, {0.3, 0.65, 0.05}};
    static final List<String> IDS = List.of("e0", "e1", "e2", "e3", "e4", "e5");

    @Test
    void keepsTheKMostConfidentPredictedPerClass() {
        SeedSet s = SeedSelection.topKPerClass(P, IDS, 2, ShortfallPolicy.KEEP_FEWER);
        assertEquals(List.of("e1", "e0", "e5", "e3"), s.ids());
        assertArrayEquals(new int[] {0, 0, 1, 1}, s.labels());
        assertArrayEquals(new int[] {4, 2, 0}, s.predicted());
        assertEquals(List.of(2), s.shortClasses());
        assertEquals(List.of("class 'c': 0 of 2 seeds predicted, kept 0"), s.report(List.of("a", "b", "c")));
    }

    @Test
    void fillsShortClassesByScoreWithUnusedExamples() {
        SeedSet s = SeedSelection.topKPerClass(P, IDS, 2, ShortfallPolicy.FILL_BY_SCORE);
        // class 2 takes the unused examples with the highest p(2): e2 (0.4), e4 (0.3)
        assertEquals(List.of("e1", "e0", "e5", "e3", "e2", "e4"), s.ids());
        assertArrayEquals(new int[] {0, 0, 2}, s.filled());
        assertEquals(true, s.seeds().get(4).filled());
    }

    @Test
    void resultDoesNotDependOnInputOrder() {
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5));
        Collections.shuffle(order, new java.util.Random(3));
        double[][] p = new double[6][];
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            p[i] = P[order.get(i)];
            ids.add(IDS.get(order.get(i)));
        }
        assertEquals(SeedSelection.topKPerClass(P, IDS, 1, ShortfallPolicy.FILL_BY_SCORE).ids(),
                SeedSelection.topKPerClass(p, ids, 1, ShortfallPolicy.FILL_BY_SCORE).ids());
    }

    @Test
    void tiesBreakById() {
        double[][] p = {{0.5, 0.5}, {0.5, 0.5}};
        assertEquals(List.of("a", "b"), SeedSelection.topKPerClass(p, List.of("b", "a"), 1, ShortfallPolicy.FILL_BY_SCORE)
                .ids());
    }

    @Test
    void badInputIsNamed() {
        assertThrows(IllegalArgumentException.class, () -> SeedSelection.topKPerClass(P, IDS, 0,
                ShortfallPolicy.KEEP_FEWER));
        var e = assertThrows(IllegalArgumentException.class, () -> SeedSelection.topKPerClass(
                new double[][] {{0.1, Double.NaN}, {Double.NaN, Double.NaN}}, List.of("x", "y"), 1,
                ShortfallPolicy.KEEP_FEWER));
        assertEquals("score of y is NaN", e.getMessage());
    }
}
