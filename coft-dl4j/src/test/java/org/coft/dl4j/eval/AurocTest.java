package org.coft.dl4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AurocTest {
    @Test
    void matchesPairCounting() {
        double[] s = {0.9, 0.8, 0.8, 0.3, 0.2, 0.7};
        boolean[] pos = {true, false, true, false, true, false};
        // pairs (pos, neg): 0.9 beats 0.8,0.3,0.7 (3); 0.8 ties 0.8 (0.5), beats 0.3, 0.7 (2); 0.2 beats none -> 5.5/9
        assertEquals(5.5 / 9, Auroc.of(s, pos), 1e-12);
        assertEquals(1.0, Auroc.of(new double[] {2, 1}, new boolean[] {true, false}));
        assertTrue(Double.isNaN(Auroc.of(new double[] {1, 2}, new boolean[] {true, true})));
    }
}
