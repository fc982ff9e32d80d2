package org.coft.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.coft.dl4j.adapt.CoftConfig;
import org.coft.dl4j.adapt.Method;
import org.coft.dl4j.phase1.VisualModule;
import org.coft.dl4j.phase2.PhaseTwoConfig;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static SearchSpace space(String json, Method m) throws Exception {
        return SearchSpace.parse(JSON.readTree(json), m, CoftConfig.defaults(m), "test space");
    }

    static final String NESTED = "{\"parameters\": {"
            + "\"phase1.seedsPerClass\": {\"values\": [8, 16, 32]},"
            + "\"phase1.lambda\": {\"uniform\": [0.5, 2.0]},"
            + "\"phase2.learningRate\": {\"log-uniform\": [3e-5, 3e-4]},"
            + "\"phase2.epochs\": {\"int\": [4, 12]},"
            + "\"phase1.visual\": {\"one-of\": [{\"value\": \"NONE\"},"
            + "  {\"value\": \"VPT_DEEP\", \"with\": {\"phase1.promptTokens\": {\"int\": [4, 8]}}}]},"
            + "\"rounds\": {\"values\": [1, 2]}}}";

    /** Flat parameters → settings → config: each value where the space puts it and within its range. */
    @Test
    void spaceToConfigRoundTrip() throws Exception {
        SearchSpace s = space(NESTED, Method.COFT);
        assertEquals(7, s.numParameters(), "5 leaves + the choice's index + its nested promptTokens");
        List<ParameterSpace> leaves = s.collectLeaves();
        for (int i = 0; i < leaves.size(); i++) {
            leaves.get(i).setIndices(i);
        }
        java.util.Random r = new java.util.Random(3);
        Set<Integer> ks = new HashSet<>();
        Set<VisualModule> vis = new HashSet<>();
        for (int t = 0; t < 200; t++) {
            double[] x = new double[s.numParameters()];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextDouble();
            }
            SearchSpace.Point p = s.settings(x);
            CoftConfig c = p.config();
            assertTrue(List.of(8, 16, 32).contains(c.phase1().seedsPerClass()));
            ks.add(c.phase1().seedsPerClass());
            assertTrue(c.phase1().lambda() >= 0.5 && c.phase1().lambda() <= 2.0);
            assertTrue(c.phase2().learningRate() >= 3e-5 * (1 - 1e-9) && c.phase2().learningRate() <= 3e-4 * (1 + 1e-9));
            assertTrue(c.phase2().epochs() >= 4 && c.phase2().epochs() <= 12);
            assertTrue(c.rounds() == 1 || c.rounds() == 2);
            vis.add(c.phase1().visual());
            if (c.phase1().visual() == VisualModule.VPT_DEEP) {
                assertTrue(c.phase1().promptTokens() >= 4 && c.phase1().promptTokens() <= 8);
                assertTrue(p.settings().containsKey("phase1.promptTokens"));
            } else {
                assertEquals(CoftConfig.coft().phase1().promptTokens(), c.phase1().promptTokens(),
                        "a nested setting applies only with its option");
                assertFalse(p.settings().containsKey("phase1.promptTokens"));
            }
            // fields the space does not name keep the base config
            assertEquals(CoftConfig.coft().phase2().filter(), c.phase2().filter());
            // the settings written out read back as the same config
            CoftConfig back = CoftConfig.fromJson(JSON.readTree(c.toJson()), CoftConfig.coft(), "round trip");
            assertEquals(c, back);
        }
        assertEquals(Set.of(8, 16, 32), ks);
        assertEquals(Set.of(VisualModule.NONE, VisualModule.VPT_DEEP), vis);
    }

    @Test
    void log_uniform_spreads_over_decades() throws Exception {
        SearchSpace s = space("{\"parameters\": {\"phase2.learningRate\": {\"log-uniform\": [1e-5, 1e-3]}}}",
                Method.COFT);
        s.collectLeaves().get(0).setIndices(0);
        assertEquals(1e-4, s.getValue(new double[] {0.5}).phase2().learningRate(), 1e-12);
        assertEquals(1e-5, s.getValue(new double[] {0.0}).phase2().learningRate(), 1e-15);
    }

    /** Arbiter's own generators drive the space: random (seeded, repeatable) and grid (every point once). */
    @Test
    void arbiterGenerators() throws Exception {
        SearchSpace s = space(NESTED, Method.COFT);
        List<CoftConfig> a = draw(s, 7);
        List<CoftConfig> b = draw(space(NESTED, Method.COFT), 7);
        assertEquals(a, b, "same seed, same candidates (what resuming a search relies on)");
        assertNotEquals(a, draw(space(NESTED, Method.COFT), 8));
        SearchSpace g = space("{\"generator\": \"grid\", \"grid_points\": 3, \"parameters\": {"
                + "\"phase2.filter\": {\"values\": [\"CROSS\", \"AGREEMENT\"]},"
                + "\"phase2.wiseAlpha\": {\"uniform\": [0.5, 1.0]}}}", Method.COFT);
        assertEquals(SearchSpace.Generator.GRID, g.generator());
        GridSearchCandidateGenerator grid = new GridSearchCandidateGenerator(g, g.gridPoints(),
                GridSearchCandidateGenerator.Mode.Sequential, null);
        Set<String> seen = new HashSet<>();
        while (grid.hasMoreCandidates()) {
            CoftConfig c = (CoftConfig) grid.getCandidate().getValue();
            seen.add(c.phase2().filter() + "/" + c.phase2().wiseAlpha());
        }
        assertEquals(Set.of("CROSS/0.5", "CROSS/0.75", "CROSS/1.0", "AGREEMENT/0.5", "AGREEMENT/0.75",
                "AGREEMENT/1.0"), seen);
    }

    private static List<CoftConfig> draw(SearchSpace s, long seed) {
        RandomSearchGenerator g = new RandomSearchGenerator(s, null);
        g.setRngSeed(seed);
        List<CoftConfig> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Candidate c = g.getCandidate();
            out.add((CoftConfig) c.getValue());
        }
        return out;
    }

    @Test
    void defaultSpacesBuildForEveryMethod() {
        for (Method m : List.of(Method.COFT, Method.COFT_PLUS, Method.COFT_PHASE1)) {
            SearchSpace s = SearchSpace.defaults(m, CoftConfig.defaults(m));
            assertTrue(s.numParameters() >= 4, m + ": " + s);
            if (m == Method.COFT_PHASE1) {
                assertTrue(s.paths().stream().allMatch(p -> p.startsWith("phase1.")), s.paths().toString());
            }
        }
        assertTrue(SearchSpace.defaults(Method.COFT_PLUS, CoftConfig.plus()).paths().contains("phase2.gamma"));
        PhaseTwoConfig.Balance.valueOf("NONE");
    }

    /** The wide space: every method's entry builds, names the default space's settings, and reaches further. */
    @Test
    void theWideSpaceWidensEveryDefaultRange() {
        for (Method m : List.of(Method.COFT, Method.COFT_PLUS, Method.COFT_PHASE1)) {
            SearchSpace d = SearchSpace.builtIn("default", m, CoftConfig.defaults(m));
            SearchSpace w = SearchSpace.builtIn("wide", m, CoftConfig.defaults(m));
            assertEquals(d.paths(), w.paths(), m.cliName());
        }
        List<CoftConfig> drawn = new ArrayList<>();
        RandomSearchGenerator g = new RandomSearchGenerator(SearchSpace.builtIn("wide", Method.COFT,
                CoftConfig.coft()), null);
        g.setRngSeed(0);
        for (int i = 0; i < 60; i++) {
            drawn.add((CoftConfig) g.getCandidate().getValue());
        }
        assertTrue(drawn.stream().anyMatch(c -> c.phase2().filter() == PhaseTwoConfig.Filter.NONE));
        assertTrue(drawn.stream().anyMatch(c -> c.phase2().learningRate() > 3e-4));
        assertTrue(drawn.stream().anyMatch(c -> c.phase2().epochs() < 4));
        assertTrue(drawn.stream().anyMatch(c -> c.phase1().seedsPerClass() == 64));
        // what the README's wide-space searches (seed 0) ran as candidate 1: a changed resource would redraw them
        CoftConfig first = draw(SearchSpace.builtIn("wide", Method.COFT, CoftConfig.coft()), 0).get(0);
        assertEquals(64, first.phase1().seedsPerClass());
        assertEquals(PhaseTwoConfig.Filter.CROSS, first.phase2().filter());
        assertEquals(11, first.phase2().epochs());
        assertEquals(1.261e-4, first.phase2().learningRate(), 1e-7);
        assertEquals(PhaseTwoConfig.Balance.NONE, first.phase2().balance());
        assertEquals(0.5389, first.phase2().wiseAlpha(), 1e-4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SearchSpace.builtIn("narrow", Method.COFT, CoftConfig.coft()));
        assertTrue(e.getMessage().contains("'narrow'") && e.getMessage().contains("[default, wide]"), e.getMessage());
    }

    @Test
    void badSpacesNameWhatIsWrong() {
        assertMessage("unknown field 'lamda' of phase1", "{\"parameters\": {\"phase1.lamda\": {\"uniform\": [0, 1]}}}",
                Method.COFT);
        assertMessage("'parameters' is empty", "{\"parameters\": {}}", Method.COFT);
        assertMessage("'parameters' is missing", "{\"generator\": \"random\"}", Method.COFT);
        assertMessage("unknown field 'paramters'", "{\"paramters\": {}}", Method.COFT);
        assertMessage("coft-phase1 has no Phase II", "{\"parameters\": {\"phase2.epochs\": {\"int\": [1, 2]}}}",
                Method.COFT_PHASE1);
        assertMessage("range [3,3] is empty", "{\"parameters\": {\"phase1.lambda\": {\"uniform\": [3, 3]}}}",
                Method.COFT);
        assertMessage("log-uniform needs 0 < lo", "{\"parameters\": {\"phase2.learningRate\": {\"log-uniform\": "
                + "[0, 1]}}}", Method.COFT);
        assertMessage("unknown kind 'normal'", "{\"parameters\": {\"phase1.lambda\": {\"normal\": [0, 1]}}}",
                Method.COFT);
        assertMessage("generator 'bayes'", "{\"generator\": \"bayes\", \"parameters\": {\"phase1.lambda\": "
                + "{\"uniform\": [0, 1]}}}", Method.COFT);
        // a value the config refuses is found when the space is built, not when a candidate runs
        assertMessage("'phase2.wiseAlpha' = 1.5", "{\"parameters\": {\"phase2.wiseAlpha\": {\"uniform\": [0.5, 1.5]}}}",
                Method.COFT);
        assertMessage("'seedsPerClass' = 0", "{\"parameters\": {\"phase1.visual\": {\"one-of\": [{\"value\": \"NONE\", "
                + "\"with\": {\"phase1.seedsPerClass\": {\"values\": [0, 4]}}}]}}}", Method.COFT);
        assertMessage("expected rounds, phase1.<field> or phase2.<field>", "{\"parameters\": {\"phase3.x\": "
                + "{\"values\": [1]}}}", Method.COFT);
    }

    private static void assertMessage(String part, String json, Method m) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> space(json, m));
        assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("test space"), "names where: " + e.getMessage());
    }

    @Test
    void descriptionIsKeptForTheRecord() throws Exception {
        SearchSpace s = space(NESTED, Method.COFT);
        JsonNode d = s.description();
        assertEquals(JSON.readTree(NESTED), d);
    }
}
