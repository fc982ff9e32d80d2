package org.coft.dl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.Set;
import org.coft.datavec.random.SplitMix64;
import org.junit.jupiter.api.Test;

/**
 * The named streams keep the numbers of the offsets they replaced (results are bit-identical across the change),
 * and no two of them meet for one parent seed over the indices a run uses.
 */
class SeedStreamTest {
    @Test
    void streamsKeepTheirNumbers() {
        long seed = 12345;
        assertEquals(SplitMix64.stream(seed, 1), SeedStream.CTX_POS.of(seed));
        assertEquals(SplitMix64.stream(seed, 4), SeedStream.ADAPTER.of(seed));
        assertEquals(SplitMix64.stream(seed, 101), SeedStream.PHASE1_MODEL.of(seed, 1));
        assertEquals(SplitMix64.stream(seed, 1_000_007), SeedStream.PHASE1_SHUFFLE.of(seed, 7));
        assertEquals(SplitMix64.stream(seed, 2_000_000_009L), SeedStream.COMPLEMENT.of(seed, 9));
        assertEquals(SplitMix64.stream(seed, 1002), SeedStream.ROUND.of(seed, 2));
        assertEquals(SplitMix64.stream(seed, 501), SeedStream.PHASE2_NETWORK.of(seed, 1));
        assertEquals(SplitMix64.stream(seed, 41), SeedStream.PHASE2_DATA.of(seed));
        // a pinned value: a change here changes every run's models
        assertEquals(0x6e789e6aa1b965f4L, SeedStream.CTX_POS.of(0));
    }

    @Test
    void streamsOfOneSeedDoNotMeet() {
        Set<Long> seen = new HashSet<>();
        int expected = 0;
        for (SeedStream s : SeedStream.values()) {
            int indices = switch (s) {
                case PHASE1_MODEL, PHASE2_NETWORK -> 2;
                case ROUND -> 20;
                case PHASE1_SHUFFLE -> 1000;
                case COMPLEMENT -> 100_000;
                default -> 1;
            };
            for (int i = 0; i < indices; i++) {
                seen.add(s.of(7, i));
                expected++;
            }
        }
        // PHASE2_HEAD shares its number (3) with VISUAL_PROMPTS: it hangs off a Phase II network's seed, never off a
        // Phase I model's, so the two never draw from one parent
        assertEquals(expected - 1, seen.size());
    }
}
