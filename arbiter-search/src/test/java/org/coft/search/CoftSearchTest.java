package org.coft.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.dl4j.adapt.CoftConfig;
import org.coft.dl4j.adapt.Method;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search machinery through Arbiter's runner with a stand-in {@link CandidateRunner} whose evidence depends on the
 * candidate's settings: ranking, best.json, resume after an interruption, and refusals. (The real runner end to end:
 * the examples module's SearchCommandTest.)
 */
class CoftSearchTest {
    @TempDir
    Path tmp;

    static final String SPACE = "{\"parameters\": {\"phase2.wiseAlpha\": {\"uniform\": [0.5, 1.0]},"
            + "\"phase2.epochs\": {\"int\": [2, 9]}}}";

    /** Balance grows with wiseAlpha: the best candidate is the one with the largest α. */
    static final class Fake implements CandidateRunner {
        final List<Integer> ran = new ArrayList<>();
        int failAt = -1;

        @Override
        public Result run(int index, SearchSpace.Point p, Path dir) {
            if (index == failAt) {
                throw new IllegalStateException("interrupted at candidate " + index);
            }
            ran.add(index);
            double a = p.config().phase2().wiseAlpha();
            int n = 10;
            double[][] zs = new double[n][2];
            double[][] fin = new double[n][2];
            int second = (int) Math.round(a * n / 2);
            for (int i = 0; i < n; i++) {
                zs[i] = new double[] {0.5 + 0.01 * i, 0.5 - 0.01 * i};
                fin[i] = i < second ? new double[] {0.2, 0.8} : new double[] {0.8, 0.2};
            }
            int[] pred = new int[n];
            return new Result(new Objective.Evidence(zs, fin, fin, zs, zs, pred, pred, new boolean[n], Double.NaN),
                    -1);
        }
    }

    CoftSearch.Request request(SearchSpace s, int candidates, long seed, Path out, StringWriter log) {
        return new CoftSearch.Request(s, Objective.BALANCE, candidates, null, seed, out,
                Map.of("data", com.fasterxml.jackson.databind.node.TextNode.valueOf("fake")), new PrintWriter(log, true));
    }

    @Test
    void searchRanksWritesBestAndResumes() throws Exception {
        SearchSpace s = SearchSpaceTest.space(SPACE, Method.COFT);
        Path out = tmp.resolve("search");
        Fake f = new Fake();
        f.failAt = 3;
        StringWriter log = new StringWriter();
        CoftSearch.Result r1 = CoftSearch.run(request(s, 5, 1, out, log), f);
        assertEquals(List.of(0, 1, 2, 4), f.ran, "candidate 3 failed; the others ran");
        assertEquals(4, r1.ranking().size());
        assertEquals(1, r1.failed());
        assertTrue(Files.isRegularFile(CoftSearch.candidateDir(out, 3).resolve("error.txt")));
        assertTrue(log.toString().contains("candidate 3/4: FAILED: interrupted at candidate 3"), log.toString());
        // ranked by the objective, best first
        for (int i = 1; i < r1.ranking().size(); i++) {
            assertTrue(r1.ranking().get(i - 1).value(Objective.BALANCE) >= r1.ranking().get(i).value(Objective.BALANCE));
        }
        // best.json is a config coft adapt --config reads, and it is the best candidate's
        CoftConfig best = CoftConfig.read(out.resolve(CoftSearch.BEST), CoftConfig.coft());
        assertEquals(r1.best().config(), best);
        String last = log.toString().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.startsWith("best objective="), last);
        assertEquals(r1.best().value(Objective.BALANCE), Double.parseDouble(last.substring(15)), 1e-6);
        assertTrue(Files.readString(out.resolve(CoftSearch.RANKING)).startsWith("rank,candidate,phase1-agreement"));

        // again with a larger budget: finished candidates are read back, the failed one and the new ones run
        Fake g = new Fake();
        StringWriter log2 = new StringWriter();
        CoftSearch.Result r2 = CoftSearch.run(request(s, 7, 1, out, log2), g);
        assertEquals(List.of(3, 5, 6), g.ran, log2.toString());
        assertEquals(7, r2.ranking().size());
        assertTrue(log2.toString().contains("candidate 1/6: finished before, read back"), log2.toString());
        for (Outcome o : r1.ranking()) {
            Outcome again = r2.ranking().stream().filter(x -> x.index() == o.index()).findFirst().orElseThrow();
            assertEquals(o.config(), again.config(), "same candidates on every run (seeded generator)");
        }
        // candidate 0 is the base config
        assertEquals(CoftConfig.coft(), r2.ranking().stream().filter(x -> x.index() == 0).findFirst().orElseThrow()
                .config());
    }

    /**
     * Arbiter status listeners hear how every candidate ended (completed, failed, or read back from a first run), as
     * Arbiter's own task creators tell them; the runner itself adds a Created status when a task starts.
     */
    @Test
    void statusListenersSeeEveryCandidateEnd() throws Exception {
        SearchSpace s = SearchSpaceTest.space(SPACE, Method.COFT);
        Path out = tmp.resolve("listened");
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        var listener = new org.deeplearning4j.arbiter.optimize.runner.listener.BaseStatusListener() {
            @Override
            public void onCandidateStatusChange(org.deeplearning4j.arbiter.optimize.runner.CandidateInfo info,
                                                org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner r,
                                                org.deeplearning4j.arbiter.optimize.api.OptimizationResult res) {
                if (info.getCandidateStatus() != org.deeplearning4j.arbiter.optimize.runner.CandidateStatus.Created) {
                    seen.add(info.getIndex() + ":" + info.getCandidateStatus() + ":" + (res == null ? "-"
                            : String.format(java.util.Locale.ROOT, "%.4f", res.getScore())));
                }
            }
        };
        Fake f = new Fake();
        f.failAt = 1;
        StringWriter log = new StringWriter();
        CoftSearch.Result r = CoftSearch.run(request(s, 3, 4, out, log), f, List.of(listener));
        List<String> sorted = new ArrayList<>(seen);
        java.util.Collections.sort(sorted);
        assertEquals(3, sorted.size(), seen.toString());
        assertEquals("1:Failed:-", sorted.get(1), seen.toString());
        for (int i : new int[] {0, 2}) {
            Outcome o = r.ranking().stream().filter(x -> x.index() == i).findFirst().orElseThrow();
            assertEquals(String.format(java.util.Locale.ROOT, "%d:Complete:%.4f", i, o.value(Objective.BALANCE)),
                    sorted.get(i), seen.toString());
        }
        seen.clear();
        CoftSearch.run(request(s, 3, 4, out, new StringWriter()), new Fake(), List.of(listener));
        assertEquals(3, seen.stream().filter(x -> x.contains(":Complete:")).count(), "read back or rerun: " + seen);
    }

    /** The genetic generator drives a search too (its candidates come from the objective's scores). */
    @Test
    void geneticSearchRuns() throws Exception {
        SearchSpace s = SearchSpaceTest.space("{\"generator\": \"genetic\", \"parameters\": {"
                + "\"phase2.wiseAlpha\": {\"uniform\": [0.5, 1.0]}, \"phase2.epochs\": {\"int\": [2, 9]}}}",
                Method.COFT);
        Fake f = new Fake();
        CoftSearch.Result r = CoftSearch.run(request(s, 6, 4, tmp.resolve("g"), new StringWriter()), f);
        assertEquals(6, r.ranking().size());
        assertEquals(List.of(0, 1, 2, 3, 4, 5), f.ran);
        java.util.Set<CoftConfig> distinct = new java.util.HashSet<>();
        r.ranking().forEach(o -> distinct.add(o.config()));
        assertTrue(distinct.size() >= 5, "candidates differ: " + distinct.size());
    }

    /**
     * Probes whose kept share falls with wiseAlpha (inter) and with the epochs (intra), 400 images, so that the base
     * config (α 1, 10 epochs) is last: the standing ranks by both, and the guard compares the pick's probes with the base config's.
     */
    static final class Probed implements CandidateRunner {
        @Override
        public Result run(int index, SearchSpace.Point p, Path dir) {
            return new Result(probes(p, 0), -1);
        }
    }

    /** {@link Probed}'s evidence with every kept share moved by {@code shift}. */
    static Objective.Evidence probes(SearchSpace.Point p, double shift) {
        double a = p.config().phase2().wiseAlpha();
        int epochs = p.config().phase2().epochs();
        int n = 400;
        double[][] fin = new double[n][2];
        int[] pred = new int[n];
        int[] partner = new int[n];
        int[] mixed = new int[n];
        for (int i = 0; i < n; i++) {
            pred[i] = i % 2;
            fin[i][pred[i]] = 1;
            boolean inter = i < n / 2;
            partner[i] = inter ? 1 - pred[i] : pred[i];
            double share = (inter ? 1.5 - a : 1 - epochs / 20.0) + shift;
            mixed[i] = (i % (n / 2)) < share * (n / 2) ? pred[i] : 1 - pred[i];
        }
        return new Objective.Evidence(fin, fin, fin, fin, fin, pred, pred, new boolean[n], Double.NaN,
                null, mixed, partner);
    }

    /**
     * {@link Probed} whose run seed moves every kept share by {@code noise} × (−1, 0, +1 for seed mod 3 = 0, 1, 2): run
     * noise, which the base config's replicate runs measure. Records the seed of every run.
     */
    static final class Reseeded implements CandidateRunner {
        final long seed;
        final double noise;
        final List<Long> runs;

        Reseeded(long seed, double noise, List<Long> runs) {
            this.seed = seed;
            this.noise = noise;
            this.runs = runs;
        }

        @Override
        public Result run(int index, SearchSpace.Point p, Path dir) {
            runs.add(seed);
            return new Result(probes(p, noise * (seed % 3 - 1)), -1);
        }

        @Override
        public CandidateRunner withSeed(long other) {
            return new Reseeded(other, noise, runs);
        }
    }

    /**
     * Every candidate alike (both probes keep half, as the base config's evidence) except candidate 2 run with the
     * search's seed 3, which a lucky run lifts by 0.25: a pick that leads on its own run only. Records index@seed.
     */
    static final class Lucky implements CandidateRunner {
        final long seed;
        final List<String> runs;

        Lucky(long seed, List<String> runs) {
            this.seed = seed;
            this.runs = runs;
        }

        @Override
        public Result run(int index, SearchSpace.Point p, Path dir) {
            runs.add(index + "@" + seed);
            return new Result(probes(new SearchSpace.Point(CoftConfig.coft(), Map.of()),
                    index == 2 && seed == 3 ? 0.25 : 0), -1);
        }

        @Override
        public CandidateRunner withSeed(long other) {
            return new Lucky(other, runs);
        }
    }

    /**
     * The winner's curse: the pick leads on the run that chose it, which the guard alone accepts; with
     * {@code confirmPick} its replicate runs with the base config's other seeds show no lead, so the base config stays;
     * a rerun reads them back; a replicate of another candidate in its folder is refused.
     */
    @Test
    void aLuckyPickIsNotConfirmedByItsReplicateRuns() throws Exception {
        SearchSpace s = SearchSpaceTest.space(SPACE, Method.COFT);
        List<String> runs = new ArrayList<>();
        CoftSearch.Result plain = CoftSearch.run(new CoftSearch.Request(s, Objective.MIXVAL_RANK, 6, null, 3,
                tmp.resolve("plain"), Map.of(), new PrintWriter(new StringWriter())), new Lucky(3, runs));
        assertEquals(List.of("0@3", "1@3", "2@3", "3@3", "4@3", "5@3", "0@4", "0@5"), runs, "no run of the pick");
        assertTrue(plain.guard().replaceBase() && plain.chosen().index() == 2 && plain.guard().confirmation() == null,
                plain.guard().toString());
        runs.clear();
        Path out = tmp.resolve("lucky");
        StringWriter log = new StringWriter();
        CoftSearch.Result r = CoftSearch.run(new CoftSearch.Request(s, Objective.MIXVAL_RANK, 6, null, 3, out,
                Map.of(), new PrintWriter(log, true), true, 2, true), new Lucky(3, runs));
        assertEquals(2, r.best().index(), log.toString());
        assertEquals(List.of("0@3", "1@3", "2@3", "3@3", "4@3", "5@3", "0@4", "0@5", "2@4", "2@5"), runs,
                "the candidates, the base config's replicates, then the pick's with the same seeds");
        BaseGuard.Decision d = r.guard();
        assertEquals(0.25, d.difference(), 1e-12);
        assertEquals(0.0, d.runSpread(), 0.0, "the base config's three runs agree");
        assertTrue(d.leads(), "clear on its own run: " + d);
        assertEquals(0.0, d.confirmation().difference(), 0.0);
        assertEquals(2, d.confirmation().pickRuns());
        assertFalse(d.confirmation().passes() || d.replaceBase(), d.toString());
        assertEquals(0, r.chosen().index());
        assertEquals(CoftConfig.coft(), CoftConfig.read(out.resolve(CoftSearch.BEST), CoftConfig.coft()));
        JsonNode rep = Outcome.JSON.readTree(CoftSearch.replicateDir(out, 2, 1).resolve("replicate.json").toFile());
        assertEquals(2, rep.path("candidate").asInt());
        assertEquals(4, rep.path("seed").asLong());
        assertTrue(log.toString().contains("guard: candidate 2, replicate 2/2 (seed 5): in ")
                && log.toString().contains("the pick's 2 replicate run(s) against the base config's 3 run(s) +0.0000"),
                log.toString());
        JsonNode summary = Outcome.JSON.readTree(out.resolve(CoftSearch.SUMMARY).toFile()).path("guard");
        assertTrue(summary.path("leads").asBoolean() && !summary.path("replace_base").asBoolean(), summary.toString());
        assertEquals(2, summary.path("confirmation").path("pick_runs").asInt());
        // a rerun reads every run back
        runs.clear();
        CoftSearch.Result again = CoftSearch.run(new CoftSearch.Request(s, Objective.MIXVAL_RANK, 6, null, 3, out,
                Map.of(), new PrintWriter(new StringWriter()), true, 2, true), new Lucky(3, runs));
        assertEquals(List.of(), runs);
        assertEquals(d, again.guard());
        assertTrue(Outcome.JSON.readTree(out.resolve(CoftSearch.RECORD).toFile()).path("confirm_pick").asBoolean());
        // a replicate run of another candidate in the pick's folder is named, not counted
        Path f = CoftSearch.replicateDir(out, 2, 2).resolve("replicate.json");
        com.fasterxml.jackson.databind.node.ObjectNode other = (com.fasterxml.jackson.databind.node.ObjectNode)
                Outcome.JSON.readTree(f.toFile());
        Files.writeString(f, Outcome.JSON.writeValueAsString(other.put("candidate", 3)));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> CoftSearch.replicates(out, 2, 3));
        assertEquals(f + ": a replicate run of candidate 3, expected 2", e.getMessage());
    }

    @Test
    void aPopulationObjectiveRanksTheFinishedCandidates() throws Exception {
        SearchSpace s = SearchSpaceTest.space(SPACE, Method.COFT);
        Path out = tmp.resolve("rank");
        StringWriter log = new StringWriter();
        CoftSearch.Result r = CoftSearch.run(new CoftSearch.Request(s, Objective.MIXVAL_RANK, 6, null, 3, out,
                Map.of(), new PrintWriter(log, true)), new Probed());
        List<Outcome> all = r.ranking();
        double[][] parts = new double[2][all.size()];
        for (int c = 0; c < all.size(); c++) {
            parts[0][c] = all.get(c).value(Objective.MIXVAL_INTER);
            parts[1][c] = all.get(c).value(Objective.MIXVAL_INTRA);
        }
        double[] st = Objective.standing(parts);
        for (int c = 0; c < all.size(); c++) {
            assertEquals(st[c], all.get(c).value(Objective.MIXVAL_RANK), 1e-12, "standing among the six");
            if (c > 0) {
                assertTrue(st[c - 1] >= st[c], "ranked by standing: " + log);
            }
        }
        // stored per candidate: the parts, not the standing (which changes as candidates finish)
        String stored = Files.readString(CoftSearch.candidateDir(out, 1).resolve(Outcome.FILE));
        assertTrue(stored.contains("\"mixval-inter\"") && !stored.contains("mixval-rank"), stored);
        assertTrue(log.toString().contains("(so far)"), log.toString());
        assertTrue(Files.readString(out.resolve(CoftSearch.RANKING)).contains(",mixval-rank,"));
        // the guard: the top candidate against the base config on the mean of the two probes
        assertTrue(r.guard() != null && r.guard().describe(Objective.MIXVAL_RANK).startsWith(
                "mean of mixval-inter, mixval-intra"), log.toString());
        Outcome base = all.stream().filter(o -> o.index() == 0).findFirst().orElseThrow();
        double lead = (r.best().value(Objective.MIXVAL_INTER) - base.value(Objective.MIXVAL_INTER)
                + r.best().value(Objective.MIXVAL_INTRA) - base.value(Objective.MIXVAL_INTRA)) / 2;
        assertEquals(lead, r.guard().difference(), 1e-12);
        assertTrue(r.guard().replaceBase() && r.chosen() == r.best() && r.best().index() != 0, log.toString());
        assertTrue(log.toString().contains("replicate 1/2 (seed 4): not run, this runner cannot change its seed")
                && r.guard().runs() == 1 && Double.isNaN(r.guard().runSpread()), log.toString());
        assertEquals(0.0, base.value(Objective.MIXVAL_RANK), 1e-12, "the base config is last on both probes");
        String last = log.toString().strip().lines().reduce((x, y) -> y).orElseThrow();
        assertEquals(r.chosen().value(Objective.MIXVAL_RANK), Double.parseDouble(last.substring(15)), 1e-6);
        // the genetic generator breeds from fixed scores: refused with this objective
        SearchSpace g = SearchSpaceTest.space("{\"generator\": \"genetic\", \"parameters\": {"
                + "\"phase2.wiseAlpha\": {\"uniform\": [0.5, 1.0]}}}", Method.COFT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CoftSearch.Request(g,
                Objective.MIXVAL_RANK, 3, null, 0, tmp, Map.of(), new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("mixval-rank ranks the finished candidates"), e.getMessage());
    }

    /**
     * The guard runs the base config again with the search's seed + 1 and + 2 when the top candidate is another: their
     * spread is the run noise it adds to the images' error. Large run noise keeps the base config; none changes
     * nothing; a rerun reads the replicates back; {@code replicates} 0 runs none.
     */
    @Test
    void replicateRunsOfTheBaseConfigMeasureTheRunNoise() throws Exception {
        SearchSpace s = SearchSpaceTest.space(SPACE, Method.COFT);
        Map<String, JsonNode> fp = Map.of();
        List<Long> runs = new ArrayList<>();
        Path out = tmp.resolve("noisy");
        StringWriter log = new StringWriter();
        CoftSearch.Request req = new CoftSearch.Request(s, Objective.MIXVAL_RANK, 6, null, 3, out, fp,
                new PrintWriter(log, true));
        CoftSearch.Result r = CoftSearch.run(req, new Reseeded(3, 0.3, runs));
        assertEquals(List.of(3L, 3L, 3L, 3L, 3L, 3L, 4L, 5L), runs, "six candidates, then two replicates");
        assertTrue(r.best().index() != 0, "the top candidate is not the base config");
        // the spread of the base config's compared value (mean of the two probes) over its three runs
        double[] values = new double[3];
        Outcome base = r.ranking().stream().filter(o -> o.index() == 0).findFirst().orElseThrow();
        values[0] = (base.value(Objective.MIXVAL_INTER) + base.value(Objective.MIXVAL_INTRA)) / 2;
        for (int k = 1; k <= 2; k++) {
            JsonNode rep = Outcome.JSON.readTree(CoftSearch.replicateDir(out, k).resolve("replicate.json").toFile());
            assertEquals(3 + k, rep.path("seed").asLong());
            values[k] = (rep.path("objectives").path("mixval-inter").asDouble()
                    + rep.path("objectives").path("mixval-intra").asDouble()) / 2;
        }
        assertEquals(0.2, values[0], 1e-9, "seed 3 moves the base config's shares from 0.5 to 0.2");
        double mean = (values[0] + values[1] + values[2]) / 3;
        double sd = Math.sqrt(((values[0] - mean) * (values[0] - mean) + (values[1] - mean) * (values[1] - mean)
                + (values[2] - mean) * (values[2] - mean)) / 2);
        assertEquals(3, r.guard().runs());
        assertEquals(sd, r.guard().runSpread(), 1e-12);
        assertEquals(Math.sqrt(r.guard().imageError() * r.guard().imageError() + 2 * sd * sd),
                r.guard().standardError(), 1e-12);
        assertTrue(r.guard().difference() > 2 * r.guard().imageError(), "clear on the images alone: " + r.guard());
        assertFalse(r.guard().replaceBase(), "within the run noise: " + r.guard());
        assertEquals(0, r.chosen().index());
        assertEquals(CoftConfig.coft(), CoftConfig.read(out.resolve(CoftSearch.BEST), CoftConfig.coft()));
        assertTrue(log.toString().contains("guard: base config, replicate 2/2 (seed 5): in ")
                && log.toString().contains("runs " + String.format(java.util.Locale.ROOT, "%.4f", sd)
                + " = the spread of 3 runs of the base config"), log.toString());
        assertEquals(3, Outcome.JSON.readTree(out.resolve(CoftSearch.SUMMARY).toFile()).path("guard")
                .path("base_runs").asInt());
        // a rerun reads everything back, replicates included
        runs.clear();
        StringWriter log2 = new StringWriter();
        CoftSearch.Result again = CoftSearch.run(new CoftSearch.Request(s, Objective.MIXVAL_RANK, 6, null, 3, out, fp,
                new PrintWriter(log2, true)), new Reseeded(3, 0.3, runs));
        assertEquals(List.of(), runs, log2.toString());
        assertTrue(log2.toString().contains("replicate 1/2 (seed 4): finished before, read back"), log2.toString());
        assertEquals(r.guard(), again.guard());

        // no run noise: the images' error decides, as without replicates
        runs.clear();
        CoftSearch.Result quiet = CoftSearch.run(new CoftSearch.Request(s, Objective.MIXVAL_RANK, 6, null, 3,
                tmp.resolve("quiet"), fp, new PrintWriter(new StringWriter())), new Reseeded(3, 0, runs));
        assertEquals(3, quiet.guard().runs());
        assertEquals(0.0, quiet.guard().runSpread(), 0.0);
        assertTrue(quiet.guard().replaceBase() && quiet.chosen().index() != 0, quiet.guard().toString());
        // replicates 0: none run
        runs.clear();
        Path none = tmp.resolve("none");
        CoftSearch.Result off = CoftSearch.run(new CoftSearch.Request(s, Objective.MIXVAL_RANK, 6, null, 3, none, fp,
                new PrintWriter(new StringWriter()), true, 0), new Reseeded(3, 0.3, runs));
        assertEquals(6, runs.size());
        assertFalse(Files.exists(none.resolve("replicates")));
        assertTrue(off.guard().runs() == 1 && off.guard().replaceBase(), off.guard().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CoftSearch.Request(s,
                Objective.MIXVAL_RANK, 6, null, 3, none, fp, new PrintWriter(new StringWriter()), true, -1));
        assertEquals("--replicates -1: expected 0 or more", e.getMessage());
    }

    /**
     * A candidate stored before an objective existed (its result.json lacks it) gets that objective from its saved
     * evidence, both when a search is read back and when it resumes; without evidence it stays NaN.
     */
    @Test
    void anObjectiveAddedLaterIsComputedFromTheSavedEvidence() throws Exception {
        SearchSpace s = SearchSpaceTest.space(SPACE, Method.COFT);
        Path out = tmp.resolve("later");
        CoftSearch.run(request(s, 3, 1, out, new StringWriter()), new Fake());
        for (int c : new int[] {1, 2}) {
            Path f = CoftSearch.candidateDir(out, c).resolve(Outcome.FILE);
            com.fasterxml.jackson.databind.node.ObjectNode n = (com.fasterxml.jackson.databind.node.ObjectNode)
                    Outcome.JSON.readTree(f.toFile());
            ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("objectives")).remove("soft-stability");
            Files.writeString(f, Outcome.JSON.writeValueAsString(n));
        }
        Files.delete(CoftSearch.candidateDir(out, 2).resolve(CandidateProcess.EVIDENCE));
        List<Outcome> back = CoftSearch.finished(out, s);
        double want = Objective.SOFT_STABILITY.value(CoftSearch.evidence(out, 1));
        assertEquals(want, back.get(1).value(Objective.SOFT_STABILITY), 1e-12);
        assertTrue(Double.isNaN(back.get(2).value(Objective.SOFT_STABILITY)), "no evidence to compute it from");
        assertEquals(back.get(0).value(Objective.SOFT_STABILITY), back.get(1).value(Objective.SOFT_STABILITY), 1e-12,
                "stored and computed alike (the stand-in's views agree)");
        // a resumed search ranked by it reads candidate 1 back with the computed value and runs nothing again
        Fake g = new Fake();
        StringWriter log = new StringWriter();
        CoftSearch.Result r = CoftSearch.run(new CoftSearch.Request(s, Objective.SOFT_STABILITY, 3, null, 1, out,
                Map.of("data", com.fasterxml.jackson.databind.node.TextNode.valueOf("fake")),
                new PrintWriter(log, true)), g);
        assertEquals(List.of(), g.ran, log.toString());
        assertTrue(log.toString().contains(String.format(java.util.Locale.ROOT,
                "candidate 1/2: finished before, read back: %s -> soft-stability %.4f", back.get(1).describe(), want)),
                log.toString());
        assertEquals(3, r.ranking().size());
    }

    @Test
    void anotherSearchInTheSameFolderIsRefused() throws Exception {
        SearchSpace s = SearchSpaceTest.space(SPACE, Method.COFT);
        Path out = tmp.resolve("s");
        CoftSearch.run(request(s, 2, 1, out, new StringWriter()), new Fake());
        IOException e = assertThrows(IOException.class, () -> CoftSearch.run(request(s, 2, 2, out,
                new StringWriter()), new Fake()));
        assertTrue(e.getMessage().contains("another 'seed'"), e.getMessage());
        SearchSpace other = SearchSpaceTest.space("{\"parameters\": {\"phase2.epochs\": {\"int\": [2, 5]}}}",
                Method.COFT);
        e = assertThrows(IOException.class, () -> CoftSearch.run(request(other, 2, 1, out, new StringWriter()),
                new Fake()));
        assertTrue(e.getMessage().contains("another 'space'"), e.getMessage());
    }

    @Test
    void badBudgetsAndObjectivesAreRefused() throws Exception {
        SearchSpace s = SearchSpaceTest.space(SPACE, Method.COFT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> request(s, 0, 1, tmp,
                new StringWriter()));
        assertTrue(e.getMessage().contains("--candidates 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CoftSearch.Request(s, Objective.BALANCE, 3,
                Duration.ZERO, 0, tmp, Map.of(), new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("--max-time"), e.getMessage());
        SearchSpace p1 = SearchSpaceTest.space("{\"parameters\": {\"phase1.lambda\": {\"uniform\": [0.5, 1]}}}",
                Method.COFT_PHASE1);
        e = assertThrows(IllegalArgumentException.class, () -> new CoftSearch.Request(p1, Objective.STABILITY, 3,
                null, 0, tmp, Map.of(), new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("stability needs Phase II"), e.getMessage());
    }

    @Test
    void timeBudgetStopsStartingCandidates() throws Exception {
        SearchSpace s = SearchSpaceTest.space(SPACE, Method.COFT);
        CandidateRunner slow = (i, p, d) -> {
            Thread.sleep(1500);
            return new Fake().run(i, p, d);
        };
        StringWriter log = new StringWriter();
        long t0 = System.nanoTime();
        CoftSearch.Result r = CoftSearch.run(new CoftSearch.Request(s, Objective.BALANCE, 50, Duration.ofSeconds(2),
                0, tmp.resolve("t"), Map.of(), new PrintWriter(log, true)), slow);
        double took = (System.nanoTime() - t0) / 1e9;
        // Arbiter's runner looks at finished tasks about once a second, so the count is 1 or 2; what matters is that
        // the search ends soon after the budget, with every started candidate finished
        assertTrue(r.ranking().size() >= 1 && r.ranking().size() <= 2, r.ranking().size() + " candidates; " + log);
        assertEquals(0, r.failed(), "the running candidate is not killed at the deadline: " + log);
        assertTrue(took < 2 + 1.5 + 2.5, took + " s for a 2 s budget of 1.5 s candidates");
    }
}
