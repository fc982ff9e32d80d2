package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.adapt.CoftConfig;
import org.coft.dl4j.adapt.Method;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.train.StepInfo;
import org.coft.dl4j.train.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CoFT+ end to end on a small fashion-shift subset (2 rounds of Phase I with the adapter, Phase II with the momentum
 * contrastive term): the self-contained classifier, label-free training, and resumption after an interruption at each
 * stage ending bit-identical to an uninterrupted run.
 */
class CoftPipelineTest {
    @TempDir
    static Path tmp;
    static Path labelled;
    /** CoFT+'s richer prompts: the task's class descriptions (a data folder's prompts.json is read only if named). */
    static String prompts;

    /** {@code coft adapt --method coft-plus --prompts PROMPTS --config CONFIG --seed SEED} and the rest. */
    static String[] coftPlus(Path config, String seed, String... rest) {
        List<String> args = new java.util.ArrayList<>(List.of("adapt", "--method", "coft-plus", "--prompts", prompts,
                "--config", config.toString(), "--seed", seed));
        args.addAll(List.of(rest));
        return CliTest.run(args.toArray(new String[0]));
    }
    static Path flat;
    static Path config;
    static Path reference;
    static Map<String, String> referencePredictions;

    @BeforeAll
    static void data() throws Exception {
        AdaptCommandTest.assumeFashionMnist();
        labelled = tmp.resolve("labelled");
        prompts = labelled.resolve("prompts.json").toString();
        String[] r = CliTest.run("task", "fashion-shift", "--out", labelled.toString(), "--limit", "100");
        assertEquals("0", r[0], r[2]);
        assertTrue(Files.isRegularFile(labelled.resolve("prompts.json")), "the task ships CoFT+'s prompts");
        flat = tmp.resolve("flat");
        Files.createDirectories(flat);
        for (String f : List.of("classes.txt", "prompts.json")) {
            Files.copy(labelled.resolve(f), flat.resolve(f));
        }
        try (Stream<Path> s = Files.walk(labelled)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.copy(p, flat.resolve(p.getFileName()));
            }
        }
        config = tmp.resolve("tiny.json");
        Files.writeString(config, "{\"rounds\": 2, \"phase1\": {\"visual\": \"ADAPTER\", \"epochs\": 2, "
                + "\"seedsPerClass\": 3, \"batchSize\": 8}, \"phase2\": {\"epochs\": 2, \"batchSize\": 25, "
                + "\"gamma\": 0.5, \"queueSize\": 40}}");
        reference = tmp.resolve("reference");
        String[] a = coftPlus(config, "5",
                "--data", labelled.toString(), "--out", reference.toString());
        assertEquals("0", a[0], a[1] + a[2]);
        referencePredictions = predictions(reference, labelled);
    }

    /** {@code coft predict} of a model on data, as file name → "prediction,probability". */
    static Map<String, String> predictions(Path model, Path data) throws Exception {
        Path csv = tmp.resolve("pred-" + model.getFileName() + "-" + data.getFileName() + ".csv");
        String[] p = CliTest.run("predict", "--model", model.toString(), "--data", data.toString(), "--out",
                csv.toString());
        assertEquals("0", p[0], p[1] + p[2]);
        Map<String, String> out = new TreeMap<>();
        for (String line : Files.readAllLines(csv).subList(1, 101)) {
            String id = line.substring(0, line.indexOf(','));
            out.put(id.substring(id.lastIndexOf('/') + 1), line.substring(line.indexOf(',') + 1));
        }
        return out;
    }

    @Test
    void coftPlusWritesASelfContainedClassifierThatEvalAndPredictRunWithoutTheBaseModel() throws Exception {
        for (String f : List.of("adapted.json", "run.json", "preprocess.json", "classes.txt", "classifier-u.fb",
                "phase2-labels.csv", "phase1/adapted.json", "round-2/seeds-a.csv", "round-2/model-b.zip",
                "label-free-check.json")) {
            assertTrue(Files.isRegularFile(reference.resolve(f)), f + " missing");
        }
        String manifest = Files.readString(reference.resolve("adapted.json"));
        assertTrue(manifest.contains("\"classifiers\"") && manifest.contains("\"descriptions\""), manifest);
        // CoFT's default output prior: offsets in the manifests, its effect in the label-free check
        assertTrue(manifest.contains("\"output_bias\""), manifest);
        assertTrue(Files.readString(reference.resolve("round-2/adapted.json")).contains("\"output_bias\""));
        String check = Files.readString(reference.resolve("label-free-check.json"));
        assertTrue(check.contains("\"output_prior\"") && check.contains("\"moved_share\""), check);
        assertFalse(Files.exists(reference.resolve("checkpoint-phase2-u.zip")), "finished runs keep no checkpoint");
        // the base model is not needed: a wrong --base is not even read
        String[] e = CliTest.run("eval", "--model", reference.toString(), "--data", labelled.toString(), "--base",
                tmp.resolve("no-such-model").toString());
        assertEquals("0", e[0], e[1] + e[2]);
        assertTrue(AdaptCommandTest.lastLine(e[1]).matches("accuracy=0\\.\\d{4}"), e[1]);
        // each round's Phase I models evaluate as a coft-phase1 model
        String[] p1 = CliTest.run("eval", "--model", reference.resolve("round-2").toString(), "--data",
                labelled.toString());
        assertEquals("0", p1[0], p1[1] + p1[2]);
        assertTrue(p1[1].contains("collaborative filtering: 100 images"), p1[1]);
        assertEquals(100, referencePredictions.size());
    }

    @Test
    void theLabelFreeCheckComparesTheThreeStagesWithoutLabels() throws Exception {
        var check = new com.fasterxml.jackson.databind.ObjectMapper().readTree(reference.resolve(
                "label-free-check.json").toFile());
        assertEquals(3, check.path("stages").size(), check.toString());
        assertEquals("zero-shot", check.path("stages").get(0).path("stage").asText());
        assertEquals(1.0, check.path("stages").get(0).path("anchor_agreement").asDouble(), 1e-9,
                "zero-shot agrees with its own anchors");
        double kept = check.path("kept_share").asDouble();
        assertTrue(kept > 0 && kept <= 1, check.toString());
        assertTrue(org.coft.dl4j.run.RunFolder.of(reference).recorded(reference.resolve("label-free-check.json")),
                "the check is in the run's ledger");
    }

    @Test
    void phaseOneAdoptedFromAnEarlierRunGivesTheSameClassifierAndOtherSettingsAreRefused() throws Exception {
        Path out = tmp.resolve("adopted");
        String[] a = coftPlus(config, "5",
                "--data", labelled.toString(), "--out", out.toString(), "--phase1-from", reference.toString());
        assertEquals("0", a[0], a[1] + a[2]);
        assertTrue(a[1].contains("phase I: adopted from") && a[1].contains("model A: finished earlier"), a[1]);
        assertEquals(referencePredictions, predictions(out, labelled));
        assertTrue(Files.readString(out.resolve("adapted.json")).contains("\"phase1_adopted_from\""),
                "the manifest records where Phase I came from");
        String[] other = coftPlus(config, "6",
                "--data", labelled.toString(), "--out", tmp.resolve("adopted-6").toString(), "--phase1-from",
                reference.toString());
        assertNotEquals("0", other[0]);
        assertTrue((other[1] + other[2]).contains("another 'seed'") && (other[1] + other[2]).contains(
                "--phase1-from"), other[1] + other[2]);
        // another Phase I setting is named, field by field
        Path otherConfig = tmp.resolve("tiny-lambda.json");
        Files.writeString(otherConfig, Files.readString(config).replace("\"epochs\": 2, \"seedsPerClass\"",
                "\"epochs\": 2, \"lambda\": 0.5, \"seedsPerClass\""));
        String[] lambda = coftPlus(otherConfig, "5", "--data", labelled.toString(), "--out",
                tmp.resolve("adopted-lambda").toString(), "--phase1-from",
                reference.toString());
        assertNotEquals("0", lambda[0]);
        assertTrue((lambda[1] + lambda[2]).contains("another 'config.phase1.lambda' (") && (lambda[1] + lambda[2])
                .contains("this run: 0.5)"), lambda[1] + lambda[2]);
        // a tampered Phase I file is caught by the earlier run's ledger before it is copied
        Path copy = RunIntegrityTest.copy(reference, tmp.resolve("reference-copy"));
        Files.writeString(copy.resolve("phase1/seeds.csv"), "id,pseudo_label,confidence,filled\n");
        String[] bad = coftPlus(config, "5",
                "--data", labelled.toString(), "--out", tmp.resolve("adopted-bad").toString(), "--phase1-from",
                copy.toString());
        assertNotEquals("0", bad[0]);
        assertTrue((bad[1] + bad[2]).contains("seeds.csv"), bad[1] + bad[2]);
    }

    @Test
    void aDataFoldersPromptsFileIsReadOnlyWhenNamed() throws Exception {
        Path out = tmp.resolve("unnamed-prompts");
        String[] a = CliTest.run("adapt", "--method", "coft-plus", "--config", config.toString(), "--seed", "5",
                "--data", labelled.toString(), "--out", out.toString());
        assertEquals("0", a[0], a[1] + a[2]);
        com.fasterxml.jackson.databind.JsonNode p1 = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("run.json").toFile()).findValue("phase1");
        assertTrue(p1 != null && p1.path("descriptions").isEmpty(), "descriptions read without --prompts: " + p1);
        assertEquals(List.of("a photo of a {}."), new com.fasterxml.jackson.databind.ObjectMapper().convertValue(
                p1.path("templates"), List.class));
        com.fasterxml.jackson.databind.JsonNode named = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(reference.resolve("run.json").toFile()).findValue("phase1");
        assertTrue(named.path("descriptions").size() > 0, "named prompts file not used: " + named);
    }

    @Test
    void theSameImagesWithoutClassSubFoldersGiveTheIdenticalClassifier() throws Exception {
        Path out = tmp.resolve("flat-run");
        String[] a = coftPlus(config, "5",
                "--data", flat.toString(), "--out", out.toString());
        assertEquals("0", a[0], a[1] + a[2]);
        assertEquals(referencePredictions, predictions(out, labelled));
    }

    /** Throws at the n-th event of a kind, like a kill at that point. */
    static final class Interrupt implements TrainingListener {
        final String kind;
        int left;

        Interrupt(String kind, int n) {
            this.kind = kind;
            this.left = n;
        }

        private void hit(String k) {
            if (k.equals(kind) && --left == 0) {
                throw new IllegalStateException("interrupted at " + kind);
            }
        }

        @Override
        public void onEpochEnd(String model, int epoch) {
            hit("epoch");
        }

        @Override
        public void onStep(StepInfo s) {
            hit("step");
        }

        @Override
        public void onEnd(String model) {
            hit("end");
        }
    }

    @Test
    void aRunInterruptedAtEachStageResumesToTheSameClassifier() throws Exception {
        Path out = tmp.resolve("interrupted");
        ClassList cl = ClassList.fromFile(labelled.resolve("classes.txt"));
        var images = ImageViews.byFileName(ImageSources.open(labelled.toString(), SourceOptions.defaults()
                .withClasses(cl)).images());
        CoftConfig cfg = CoftConfig.read(config, CoftConfig.plus()).withPrompts(labelled.resolve("prompts.json"));
        Path base = EmbeddedModel.extract();
        ClipBackbone backbone = ClipBackbone.load(base, cfg.phase1(), cl.names());
        // Phase I: round 1 model A mid-training, round 2 model B mid-training; Phase II: after its first epoch, and
        // after its last step before the classifier is written
        Object[][] stops = {{"phase1", "epoch", 1}, {"phase1", "epoch", 6}, {"phase2", "epoch", 1},
                {"phase2", "end", 1}};
        for (Object[] stop : stops) {
            Interrupt i = new Interrupt((String) stop[1], (Integer) stop[2]);
            List<TrainingListener> p1 = stop[0].equals("phase1") ? List.of(i) : List.of();
            List<TrainingListener> p2 = stop[0].equals("phase2") ? List.of(i) : List.of();
            var ex = assertThrows(IllegalStateException.class, () -> Adaptation.adaptCoft(Method.COFT_PLUS,
                    new Adaptation.BaseModel(base, true), backbone, images, labelled.toString(), cl.names(), cfg, 5,
                    out, new PhaseOne.Options(2, 256, p1), p2), "no interruption at " + List.of(stop));
            assertTrue(ex.getMessage().startsWith("interrupted"), ex.getMessage());
            assertFalse(Files.exists(out.resolve("adapted.json")), "an interrupted run must not look finished");
        }
        // the last resume through the command line, with only the folder
        String[] r = CliTest.run("adapt", "--resume", out.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("finished earlier") && r[1].contains("resuming"), r[1]);
        assertEquals(referencePredictions, predictions(out, labelled));
        // another run's settings in the same folder are refused, naming the field
        String[] other = coftPlus(config, "6",
                "--data", labelled.toString(), "--out", out.toString());
        assertNotEquals("0", other[0]);
        assertTrue((other[1] + other[2]).contains("another 'seed'"), other[1] + other[2]);
    }

    @Test
    void badPromptsAndConfigFilesAreNamed() throws Exception {
        Path bad = tmp.resolve("bad-prompts.json");
        Files.writeString(bad, "{\"templates\": [\"no placeholder\"]}");
        String[] r = CliTest.run("adapt", "--method", "coft-plus", "--prompts", bad.toString(), "--data",
                labelled.toString(), "--out", tmp.resolve("x").toString());
        assertNotEquals("0", r[0]);
        assertTrue((r[1] + r[2]).contains("bad-prompts.json") && (r[1] + r[2]).contains("{}"), r[1] + r[2]);
        Path cfg = tmp.resolve("bad-config.json");
        Files.writeString(cfg, "{\"phase2\": {\"gama\": 1}}");
        r = CliTest.run("adapt", "--method", "coft", "--config", cfg.toString(), "--data", labelled.toString(), "--out",
                tmp.resolve("y").toString());
        assertNotEquals("0", r[0]);
        assertTrue((r[1] + r[2]).contains("unknown field 'gama'"), r[1] + r[2]);
        r = CliTest.run("adapt", "--resume", tmp.resolve("nothing-here").toString());
        assertNotEquals("0", r[0]);
        assertTrue((r[1] + r[2]).contains("run.json"), r[1] + r[2]);
    }

    @Test
    void predictWithProbabilitiesWritesEveryClassAndTheSameArgMax() throws Exception {
        Path csv = tmp.resolve("pred-all.csv");
        String[] p = CliTest.run("predict", "--model", reference.toString(), "--data", labelled.toString(), "--out",
                csv.toString(), "--probabilities");
        assertEquals("0", p[0], p[1] + p[2]);
        List<String> lines = Files.readAllLines(csv);
        List<String> classes = Files.readAllLines(reference.resolve("classes.txt")).stream()
                .filter(c -> !c.isBlank()).toList();
        String[] header = lines.get(0).split(",");
        assertEquals(3 + classes.size(), header.length, lines.get(0));
        assertEquals("p_" + classes.get(0), header[3]);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            double sum = 0;
            int best = 0;
            for (int c = 0; c < classes.size(); c++) {
                double v = Double.parseDouble(f[3 + c]);
                sum += v;
                best = v > Double.parseDouble(f[3 + best]) ? c : best;
            }
            assertEquals(1.0, sum, 1e-4, line);
            assertEquals(classes.get(best), f[1], line);
            assertEquals(f[2], f[3 + best], line);
            String id = f[0].substring(f[0].lastIndexOf('/') + 1);
            assertEquals(f[1] + "," + f[2], referencePredictions.get(id), line);
        }
    }
}
