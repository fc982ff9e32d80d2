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
}
