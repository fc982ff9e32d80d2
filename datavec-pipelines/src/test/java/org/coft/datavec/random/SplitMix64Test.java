package org.coft.datavec.random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The mixer against SplitMix64's published output, and the identities the project's streams rely on. */
class SplitMix64Test {
    @Test
    void matchesTheReferenceSequence() {
        // SplitMix64 from state 0 (Vigna's splitmix64.c): first outputs 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4
        assertEquals(0xe220a8397b1dcdafL, SplitMix64.mix(0));
        assertEquals(0xe220a8397b1dcdafL, SplitMix64.stream(0, 0));
        assertEquals(0x6e789e6aa1b965f4L, SplitMix64.stream(0, 1));
        assertEquals(SplitMix64.finalise(42 + 3 * SplitMix64.GOLDEN), SplitMix64.stream(42, 2));
    }

    @Test
    void uniformIsInTheUnitIntervalAndSpreads() {
        double sum = 0;
        for (long x = 0; x < 10_000; x++) {
            double u = SplitMix64.uniform(x);
            assertTrue(u >= 0 && u < 1, "u(" + x + ") = " + u);
            sum += u;
        }
        assertEquals(0.5, sum / 10_000, 0.01);
    }
}
