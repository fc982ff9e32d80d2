package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.coft.search.CoftSearch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coft search} end to end with the real trainer on a small fashion-shift subset (the embedded micro-CLIP): a
 * three-candidate search in one JVM, its ranking and best.json (which coft adapt --config runs), resumption that runs
 * only the new candidate (in a child JVM, the default), the shared Phase I, the label-free record,
 * {@code coft search-report}, and the refusals.
 */
class SearchCommandTest {
    @TempDir
    static Path tmp;
    static Path data;
    static Path config;
    static Path space;
    static Path out;
    static String[] first;

    @BeforeAll
    static void search() throws Exception {
        AdaptCommandTest.assumeFashionMnist();
        data = tmp.resolve("data");
        String[] r = CliTest.run("task", "fashion-shift", "--out", data.toString(), "--limit", "60");
        assertEquals("0", r[0], r[2]);
        config = tmp.resolve("tiny.json");
        Files.writeString(config, "{\"phase1\": {\"visual\": \"NONE\", \"epochs\": 2, \"seedsPerClass\": 3, "
                + "\"batchSize\": 8}, \"phase2\": {\"epochs\": 1, \"batchSize\": 20}}");
        space = tmp.resolve("space.json");
        Files.writeString(space, "{\"parameters\": {\"phase2.learningRate\": {\"log-uniform\": [3e-5, 3e-4]}, "
                + "\"phase2.balance\": {\"one-of\": [{\"value\": \"NONE\"}, {\"value\": \"LOGIT_ADJUST\", \"with\": "
                + "{\"phase2.balanceTau\": {\"uniform\": [0.5, 2.0]}}}]}}}");
        out = tmp.resolve("search");
        first = CliTest.run("search", "--data", data.toString(), "--out", out.toString(), "--config",
                config.toString(), "--space", space.toString(), "--candidates", "3", "--seed", "2", "--in-process");
        assertEquals("0", first[0], first[1] + first[2]);
    }

    @Test
    void searchRanksAndWritesABestConfigThatAdaptRuns() throws Exception {
        String log = first[1];
        assertTrue(log.contains("candidate 0/2: (base config)"), log);
        assertTrue(log.contains("Phase I: adopted from candidate 0"), "the Phase II-only candidates share Phase I: "
                + log);
        String last = log.strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.matches("best objective=[0-9.]+"), last);
        // the search's progress through Arbiter's status listener (candidates) and the candidates' own passes
        assertTrue(first[2].matches("(?s).*progress: search candidates 100 % \\(3/3 candidates\\), .*"), first[2]);
        assertTrue(first[2].contains("progress: search candidates 25 % (1/3 candidates)"), first[2]);
        assertTrue(first[2].contains("progress: search candidates 50 % (2/3 candidates)"), first[2]);
        List<String> ranking = Files.readAllLines(out.resolve("ranking.csv"));
        assertEquals(4, ranking.size(), "header + 3 candidates");
        JsonNode rec = new ObjectMapper().readTree(out.resolve("search.json").toFile());
        assertFalse(rec.get("supervised").asBoolean());
        assertEquals("stability", rec.get("objective").asText(), "the default objective of a coft search");
        assertTrue(rec.has("fingerprints") && rec.has("versions") && rec.has("space"));
        for (int i = 0; i < 3; i++) {
            Path c = out.resolve("candidates").resolve(String.format("%03d", i));
            assertTrue(Files.isRegularFile(c.resolve("result.json")), c.toString());
            assertTrue(Files.isRegularFile(c.resolve("predictions.csv")), c.toString());
            // the mixed-sample probes ran on the candidate's classifier: a share, not a missing value
            JsonNode res = new ObjectMapper().readTree(c.resolve("result.json").toFile());
            double mix = res.get("objectives").get("mixval-inter").asDouble(Double.NaN);
            assertTrue(mix >= 0 && mix <= 1, res.toString());
        }
        // best.json is a config coft adapt reads
        Path adapted = tmp.resolve("best-run");
        String[] a = CliTest.run("adapt", "--method", "coft", "--config", out.resolve("best.json").toString(),
                "--data", data.toString(), "--seed", "2", "--out", adapted.toString());
        assertEquals("0", a[0], a[1] + a[2]);
        // the measurement afterwards (labels read here, never by the search)
        Path study = tmp.resolve("study.json");
        String[] rep = CliTest.run("search-report", "--search", out.toString(), "--data", data.toString(), "--out",
                study.toString());
        assertEquals("0", rep[0], rep[1] + rep[2]);
        assertTrue(rep[1].contains("| combined |") && rep[1].contains("accuracy ranking: split-half ρ"), rep[1]);
        JsonNode st = new ObjectMapper().readTree(study.toFile());
        assertEquals(3, st.get("candidates").asInt());
        JsonNode halves = st.get("accuracy_ranking");
        assertEquals(200, halves.get("splits").asInt() + halves.get("splits_left_out").asInt(), st.toString());
        // the population objective: a standing among the three, guarded on its parts from the evidence files
        JsonNode rank = null;
        for (JsonNode row : st.get("objectives")) {
            rank = row.get("objective").asText().equals("mixval-rank") ? row : rank;
        }
        assertTrue(rank != null && rank.get("guarded_pick").isInt(), st.toString());
        assertTrue(log.contains("ranked by stability (label-free)"), log);
        assertTrue(log.contains("against the base config: stability ") || log.contains("best candidate 0 "),
                "the guard compares the stability, unless the base config ranks first: " + log);
        // re-ranked by other objectives without running a candidate again
        String[] rr = CliTest.run("search", "--data", data.toString(), "--out", out.toString(), "--config",
                config.toString(), "--space", space.toString(), "--candidates", "3", "--seed", "2", "--objective",
                "combined", "--in-process");
        assertEquals("0", rr[0], rr[1] + rr[2]);
        assertTrue(rr[1].contains("ranked by combined (label-free)"), rr[1]);
        assertEquals(3, rr[1].lines().filter(l -> l.startsWith("candidate ") && l.contains(": finished before, read back"))
                .count(), rr[1]);
        // the population objective: a standing among the three, guarded on the mean of its parts
        String[] mr = CliTest.run("search", "--data", data.toString(), "--out", out.toString(), "--config",
                config.toString(), "--space", space.toString(), "--candidates", "3", "--seed", "2", "--objective",
                "mixval-rank", "--in-process");
        assertEquals("0", mr[0], mr[1] + mr[2]);
        assertTrue(mr[1].contains("ranked by mixval-rank (label-free)") && mr[1].contains("(so far)"), mr[1]);
        assertTrue(mr[1].contains("mean of mixval-inter, mixval-intra") || mr[1].contains("best candidate 0 "),
                "the guard compares the probes, unless the base config ranks first: " + mr[1]);
        assertEquals(3, mr[1].lines().filter(l -> l.startsWith("candidate ") && l.contains(": finished before, read back"))
                .count(), mr[1]);
    }

    /**
     * {@code search-report --held-out}: every candidate's adapted model classifies images the search did not adapt on,
     * with the accuracy {@code coft eval} gives it there, and the label-free picks are the same; a folder that shares an
     * image with the searched one is refused by name.
     */
    @Test
    void searchReportMeasuresTheCandidatesOnHeldOutImages() throws Exception {
        Path more = tmp.resolve("held-out");
        String[] r = CliTest.run("task", "fashion-shift", "--out", more.toString(), "--limit", "120");
        assertEquals("0", r[0], r[2]);
        // the first 6 images of each class were searched (--limit 60); the next 6 are held out
        List<Path> searched;
        try (Stream<Path> s = Files.walk(data)) {
            searched = s.filter(f -> f.toString().endsWith(".png")).toList();
        }
        assertEquals(60, searched.size());
        for (Path f : searched) {
            Files.delete(more.resolve(data.relativize(f).toString()));
        }
        Path study = tmp.resolve("held-out-study.json");
        String[] rep = CliTest.run("search-report", "--search", out.toString(), "--data", data.toString(),
                "--held-out", more.toString(), "--out", study.toString());
        assertEquals("0", rep[0], rep[1] + rep[2]);
        assertTrue(rep[1].contains("held out: 60 labelled images of " + more) && rep[1].contains("accuracy (held out)"),
                rep[1]);
        JsonNode st = new ObjectMapper().readTree(study.toFile());
        JsonNode held = st.get("held_out");
        assertEquals(60, held.get("images").asInt(), st.toString());
        assertEquals(st.get("candidates").asInt(), held.get("candidates").asInt());
        var it = held.get("accuracy_per_candidate").fields();
        while (it.hasNext()) {
            var e = it.next();
            String[] ev = CliTest.run("eval", "--model", CoftSearch.candidateDir(out, Integer.parseInt(e.getKey()))
                    .toString(), "--data", more.toString());
            assertEquals("0", ev[0], ev[1] + ev[2]);
            String last = ev[1].strip().lines().reduce((a, b) -> b).orElseThrow();
            assertEquals(Double.parseDouble(last.replace("accuracy=", "")), e.getValue().asDouble(), 1e-4,
                    "candidate " + e.getKey() + ": " + last);
        }
        // the objectives and their guarded picks are label-free: the same on both measures
        for (int k = 0; k < st.get("objectives").size(); k++) {
            JsonNode a = st.get("objectives").get(k);
            JsonNode b = held.get("objectives").get(k);
            assertEquals(a.get("objective"), b.get("objective"));
            assertEquals(a.get("pick"), b.get("pick"), a.get("objective").asText());
            assertEquals(a.get("guarded_pick"), b.get("guarded_pick"), a.get("objective").asText());
        }
        String[] bad = CliTest.run("search-report", "--search", out.toString(), "--data", data.toString(),
                "--held-out", data.toString());
        assertEquals("1", bad[0], bad[1] + bad[2]);
        assertTrue(bad[2].contains("60 of its 60 images have the id of a searched image"), bad[2]);
    }

    @Test
    void rerunContinuesAndRunsOnlyTheNewCandidate() throws Exception {
        Path copy = RunIntegrityTest.copy(out, tmp.resolve("search-copy"));
        String[] r = CliTest.run("search", "--data", data.toString(), "--out", copy.toString(), "--config",
                config.toString(), "--space", space.toString(), "--candidates", "4", "--seed", "2");
        assertEquals("0", r[0], r[1] + r[2]);
        for (int i = 0; i < 3; i++) {
            assertTrue(r[1].contains("candidate " + i + "/3: finished before, read back"), r[1]);
        }
        assertTrue(r[1].contains("candidate 3/3: phase2.learningRate="), r[1]);
        // the new candidate ran in a child JVM (the default), the others in the search's own
        Path c3 = copy.resolve("candidates").resolve("003");
        assertTrue(Files.isRegularFile(c3.resolve("process.log")) && Files.isRegularFile(c3.resolve("result.json")),
                "candidate 3 ran in its own process");
        assertFalse(Files.exists(copy.resolve("candidates").resolve("001").resolve("process.log")));
        assertEquals(5, Files.readAllLines(copy.resolve("ranking.csv")).size());
        // another seed in the same folder is refused, naming the field
        String[] bad = CliTest.run("search", "--data", data.toString(), "--out", copy.toString(), "--config",
                config.toString(), "--space", space.toString(), "--candidates", "4", "--seed", "3");
        assertEquals("1", bad[0], bad[1] + bad[2]);
        assertTrue(bad[2].contains("another 'seed'"), bad[2]);
    }

    /**
     * The guard's replicate run of the base config, in a child JVM with another seed, in the search's replicates/
     * folder: what the parent gets back is the evidence that run wrote (not a candidate's of the same number).
     */
    @Test
    void aReplicateRunInAChildJvmReturnsItsOwnEvidence() throws Exception {
        Path search = tmp.resolve("replicate-check");
        Path cand1 = org.coft.search.CoftSearch.candidateDir(search, 1);
        Files.createDirectories(cand1);
        Files.copy(org.coft.search.CoftSearch.candidateDir(out, 1).resolve("evidence.ser"), cand1.resolve("evidence.ser"));
        org.coft.datavec.source.ClassList cl = AdaptCommand.classList(null, data.toString());
        var images = org.coft.dl4j.phase1.ImageViews.byFileName(org.coft.datavec.source.ImageSources.open(
                data.toString(), org.coft.datavec.source.SourceOptions.defaults().withClasses(cl)).images());
        var runner = new org.coft.search.CoftCandidates(org.coft.dl4j.adapt.Method.COFT,
                new org.coft.dl4j.adapt.Adaptation.BaseModel(EmbeddedModel.extract(), true), images, data.toString(),
                cl.names(), 2, 1, new java.io.PrintWriter(new java.io.StringWriter()), null).forked("fail", null)
                .withSeed(5);
        Path rep = org.coft.search.CoftSearch.replicateDir(search, 1);
        Files.createDirectories(rep);
        var base = new org.coft.search.SearchSpace.Point(org.coft.dl4j.adapt.CoftConfig.read(config,
                org.coft.dl4j.adapt.CoftConfig.coft()), java.util.Map.of());
        org.coft.search.Objective.Evidence got = runner.run(0, base, rep).evidence();
        assertTrue(Files.isRegularFile(rep.resolve("process.log")), "ran in a child JVM");
        assertEquals(5, new ObjectMapper().readTree(rep.resolve("run.json").toFile()).get("seed").asLong());
        org.coft.search.Objective.Evidence written = org.coft.search.CoftSearch.evidence(search, 1);
        assertFalse(java.util.Arrays.deepEquals(written.finalProbabilities(), got.finalProbabilities()),
                "not candidate 1's evidence");
        try (var in = new java.io.ObjectInputStream(Files.newInputStream(rep.resolve("evidence.ser")))) {
            var own = (org.coft.search.Objective.Evidence) in.readObject();
            assertTrue(java.util.Arrays.deepEquals(own.finalProbabilities(), got.finalProbabilities()));
        }
    }

    /**
     * {@code --confirm-pick} on a finished search ranked by another objective: the candidates are read back, the base
     * config runs with seed + 1, the pick (its own run leads) with the same seed in {@code replicates/candidate-NNN/},
     * and the guard's decision follows what they say.
     */
    @Test
    void confirmPickRunsThePickWithTheReplicatesSeeds() throws Exception {
        Path copy = RunIntegrityTest.copy(out, tmp.resolve("confirm"));
        String[] r = CliTest.run("search", "--data", data.toString(), "--out", copy.toString(), "--config",
                config.toString(), "--space", space.toString(), "--candidates", "3", "--seed", "2", "--in-process",
                "--confirm-pick", "--objective", "phase2-change", "--replicates", "1");
        assertEquals("0", r[0], r[1] + r[2]);
        ObjectMapper json = new ObjectMapper();
        assertTrue(json.readTree(copy.resolve("search.json").toFile()).path("confirm_pick").asBoolean());
        var guard = json.readTree(copy.resolve("search-result.json").toFile()).path("guard");
        assertTrue(guard.path("leads").asBoolean(), "ranked by phase2-change this search's pick leads: " + r[1]);
        int pick = Integer.parseInt(Files.readAllLines(copy.resolve("ranking.csv")).get(1).split(",")[1]);
        for (int k = 1; k <= 1; k++) {
            Path rep = org.coft.search.CoftSearch.replicateDir(copy, pick, k);
            assertTrue(rep.toString().contains(String.format(java.util.Locale.ROOT, "candidate-%03d", pick)), rep
                    .toString());
            var done = json.readTree(rep.resolve("replicate.json").toFile());
            assertEquals(pick, done.path("candidate").asInt());
            assertEquals(2 + k, done.path("seed").asLong());
        }
        assertTrue(r[1].contains("guard: candidate " + pick + ", replicate 1/1 (seed 3): runs to confirm its lead"),
                r[1]);
        var confirmation = guard.path("confirmation");
        assertEquals(1, confirmation.path("pick_runs").asInt(), guard.toString());
        assertEquals(2, confirmation.path("base_runs").asInt(), guard.toString());
        assertEquals(confirmation.path("passes").asBoolean() ? pick : 0, json.readTree(copy.resolve(
                "search-result.json").toFile()).path("best_candidate").asInt(), guard.toString());
    }

    /** coft-phase1: the Phase I space, no classifier (stability is NaN, combined averages the rest), its config out. */
    @Test
    void phaseOneSearchWritesAPhaseOneConfig() throws Exception {
        Path p1 = tmp.resolve("p1.json");
        Files.writeString(p1, "{\"visual\": \"NONE\", \"epochs\": 2, \"seedsPerClass\": 3, \"batchSize\": 8}");
        Path sp = tmp.resolve("p1-space.json");
        Files.writeString(sp, "{\"parameters\": {\"phase1.lambda\": {\"uniform\": [0.5, 2.0]}}}");
        Path o = tmp.resolve("p1-search");
        String[] r = CliTest.run("search", "--method", "coft-phase1", "--data", data.toString(), "--out", o.toString(),
                "--config", p1.toString(), "--space", sp.toString(), "--candidates", "2", "--in-process");
        assertEquals("0", r[0], r[1] + r[2]);
        org.coft.dl4j.phase1.PhaseOneConfig best = org.coft.dl4j.phase1.PhaseOneConfig.read(o.resolve("best.json"));
        assertEquals(3, best.seedsPerClass());
        JsonNode res = new ObjectMapper().readTree(o.resolve("candidates/001/result.json").toFile());
        assertTrue(res.get("objectives").get("stability").isNull(), res.toString());
        assertTrue(res.get("objectives").get("mixval-inter").isNull(), res.toString());
        assertTrue(res.get("objectives").get("combined").asDouble() > 0, res.toString());
        String[] bad = CliTest.run("search", "--method", "coft-phase1", "--data", data.toString(), "--out",
                tmp.resolve("p1-bad").toString(), "--config", p1.toString(), "--space", sp.toString(), "--objective",
                "stability");
        assertEquals("1", bad[0]);
        assertTrue(bad[2].contains("stability needs Phase II's classifier"), bad[2]);
    }

    @Test
    void badInputIsNamed() throws Exception {
        String[][] cases = {
            {"unknown objective 'accuracy'", "--objective", "accuracy"},
            {"--candidates 0", "--candidates", "0"},
            {"--replicates -1: expected 0 or more", "--replicates", "-1"},
            {"--max-time '0m'", "--max-time", "0m"},
            {"--max-time 'soon'", "--max-time", "soon"},
            {"is supervised: it needs --validation", "--objective", "validation-accuracy"},
            {"--space widest: no such file, and not a built-in space (default, wide)", "--space", "widest"},
        };
        for (String[] c : cases) {
            String[] args = Stream.concat(Stream.of("search", "--data", data.toString(), "--out",
                    tmp.resolve("bad").toString()), Stream.of(c).skip(1)).toArray(String[]::new);
            String[] r = CliTest.run(args);
            assertEquals("1", r[0], String.join(" ", args) + ": " + r[1] + r[2]);
            assertTrue(r[2].contains(c[0]), "'" + c[0] + "' not in " + r[2]);
        }
        Path badSpace = tmp.resolve("bad-space.json");
        Files.writeString(badSpace, "{\"parameters\": {\"phase2.epoch\": {\"int\": [1, 3]}}}");
        String[] r = CliTest.run("search", "--data", data.toString(), "--out", tmp.resolve("bad2").toString(),
                "--space", badSpace.toString());
        assertEquals("1", r[0], r[1] + r[2]);
        assertTrue(r[2].contains("unknown field 'epoch' of phase2") && r[2].contains(badSpace.toString()), r[2]);
        Files.writeString(badSpace, "{\"parameters\": {}}");
        r = CliTest.run("search", "--data", data.toString(), "--out", tmp.resolve("bad3").toString(), "--space",
                badSpace.toString());
        assertTrue(r[2].contains("'parameters' is empty"), r[2]);
        assertFalse(Files.exists(tmp.resolve("bad2")), "nothing is written for a bad space");
    }

    /** {@code --space}: a built-in name, a file, nothing (the default space). */
    @Test
    void spaceIsAFileOrABuiltInName() throws Exception {
        org.coft.dl4j.adapt.Method m = org.coft.dl4j.adapt.Method.COFT;
        org.coft.dl4j.adapt.CoftConfig base = org.coft.dl4j.adapt.CoftConfig.coft();
        org.coft.search.SearchSpace wide = SearchCommand.space("wide", m, base);
        assertEquals(org.coft.search.SearchSpace.builtIn("wide", m, base).description(), wide.description());
        assertTrue(wide.description().get("parameters").get("phase2.filter").toString().contains("NONE"));
        assertEquals(org.coft.search.SearchSpace.defaults(m, base).description(),
                SearchCommand.space(null, m, base).description());
        assertEquals(org.coft.search.SearchSpace.defaults(m, base).description(),
                SearchCommand.space("default", m, base).description());
        assertEquals(List.of("phase2.learningRate", "phase2.balance"), SearchCommand.space(space.toString(), m, base)
                .paths());
    }
}
