package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;
import org.coft.dl4j.train.ArrayArchive;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code coft adapt} / {@code coft eval} end to end on a small fashion-shift subset with the embedded model. */
class AdaptCommandTest {
    static final Path FASHION = Paths.get("/usr/share/datasets/fashion-mnist");

    /** Skips the calling test, with the reason, where Debian's Fashion-MNIST is not installed. */
    static void assumeFashionMnist() {
        assumeTrue(Files.isRegularFile(FASHION.resolve("t10k-images-idx3-ubyte.gz")),
                "Fashion-MNIST is not installed at " + FASHION + " (apt-get install dataset-fashion-mnist)");
    }
    @TempDir
    static Path tmp;
    static Path labelled;
    static Path flat;
    static Path config;

    @BeforeAll
    static void data() throws Exception {
        assumeFashionMnist();
        labelled = tmp.resolve("labelled");
        String[] r = CliTest.run("task", "fashion-shift", "--out", labelled.toString(), "--limit", "120");
        assertEquals("0", r[0], r[2]);
        // the same images without class sub-folders
        flat = tmp.resolve("flat");
        Files.createDirectories(flat);
        Files.copy(labelled.resolve("classes.txt"), flat.resolve("classes.txt"));
        try (Stream<Path> s = Files.walk(labelled)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.copy(p, flat.resolve(p.getFileName()));
            }
        }
        config = tmp.resolve("small.json");
        Files.writeString(config, "{\"seedsPerClass\": 4, \"epochs\": 2, \"batchSize\": 8, \"contextTokens\": 4}");
    }

    static String lastLine(String out) {
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    @Test
    void adaptIgnoresLabelsAndEvalReportsAccuracyAndPClean() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        for (Path[] run : new Path[][] {{labelled, a}, {flat, b}}) {
            // the labelled run also measures its pseudo labels against the hidden labels: that must change nothing
            List<String> args = new java.util.ArrayList<>(List.of("adapt", "--method", "coft-phase1", "--visual",
                    "adapter", "--config", config.toString(), "--seed", "3", "--data", run[0].toString(), "--out",
                    run[1].toString()));
            if (run[0] == labelled) {
                args.add("--monitor-labels");
            }
            String[] r = CliTest.run(args.toArray(new String[0]));
            assertEquals("0", r[0], r[1] + r[2]);
            assertTrue(r[1].contains("adapted model"), r[1]);
            assertTrue(r[1].contains("p_clean mean"), r[1]);
            assertEquals(run[0] == labelled, r[1].contains("true accuracy"), r[1]);
            // progress on standard error, as plain quarter lines when it is not a terminal (the library reports
            // through its listeners; the CLI draws)
            for (String task : List.of("image features 100 %", "Phase I model A training, epoch 2/2 100 %",
                    "Phase I model B training, epoch 2/2 100 %", "scoring all images 100 %")) {
                assertTrue(r[2].contains("progress: " + task), task + " missing in:\n" + r[2]);
            }
            assertTrue(r[2].matches("(?s).*progress: image features 100 % \\(120/120 images\\), [0-9.]+ images/s, "
                    + "done in \\d+:\\d\\d\n.*"), r[2]);
        }
        for (String model : List.of("model-a.zip", "model-b.zip")) {
            var x = ArrayArchive.read(a.resolve(model)).arrays();
            var y = ArrayArchive.read(b.resolve(model)).arrays();
            assertEquals(x.keySet(), y.keySet());
            for (String k : x.keySet()) {
                assertEquals(x.get(k), y.get(k), model + " " + k + " differs with and without class sub-folders");
            }
        }
        INDArray ctxA = ArrayArchive.read(a.resolve("model-a.zip")).arrays().get("ctx_pos");
        INDArray ctxB = ArrayArchive.read(a.resolve("model-b.zip")).arrays().get("ctx_pos");
        assertNotEquals(ctxA, ctxB, "models A and B must start from different initialisations");
        String manifest = Files.readString(a.resolve("adapted.json"));
        assertTrue(manifest.contains("\"sha256\"") && manifest.contains("\"seed\" : 3"), manifest);

        String[] e = CliTest.run("eval", "--model", a.toString(), "--data", labelled.toString());
        assertEquals("0", e[0], e[1] + e[2]);
        // another base model than the one adapted is refused, naming the differing file
        String[] wrong = CliTest.run("eval", "--model", a.toString(), "--data", labelled.toString(), "--base",
                Paths.get("..", "fixtures", "clip-tiny-hf").toString());
        assertNotEquals("0", wrong[0]);
        assertTrue((wrong[1] + wrong[2]).contains("differs from the one"), wrong[1] + wrong[2]);
        assertTrue(e[1].contains("p_clean AUROC"), e[1]);
        assertTrue(e[1].contains("seed pseudo-labels: 40"), e[1]);
        assertTrue(e[1].contains("collaborative filtering: 120 images"), e[1]);
        assertTrue(lastLine(e[1]).matches("accuracy=0\\.\\d{4}"), lastLine(e[1]));
    }

    @Test
    void zeroShotUplAndSupervisedCoopAdaptAndEvaluate() throws Exception {
        for (String method : List.of("zero-shot", "upl", "coop")) {
            Path out = tmp.resolve(method);
            String[] r = CliTest.run("adapt", "--method", method, "--config", config.toString(), "--data",
                    labelled.toString(), "--out", out.toString());
            assertEquals("0", r[0], r[1] + r[2]);
            String[] e = CliTest.run("eval", "--model", out.toString(), "--data", labelled.toString());
            assertEquals("0", e[0], e[1] + e[2]);
            assertTrue(lastLine(e[1]).startsWith("accuracy="), e[1]);
        }
        // UPL trains its published ensemble of 16 prompts from different initialisations and averages them
        String manifest = Files.readString(tmp.resolve("upl").resolve("adapted.json"));
        var models = new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest).get("models");
        assertEquals(16, models.size(), manifest);
        assertEquals("model-p.zip", models.get(15).asText());
        assertNotEquals(ArrayArchive.read(tmp.resolve("upl").resolve("model-a.zip")).arrays().get("ctx_pos"),
                ArrayArchive.read(tmp.resolve("upl").resolve("model-p.zip")).arrays().get("ctx_pos"),
                "the ensemble's prompts must differ");
        assertEquals(1, new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(
                tmp.resolve("coop").resolve("adapted.json"))).get("models").size(), "coop is one prompt");
        // coop's shots carry their true class, named as in classes.txt (ids are <class folder>/<file>)
        List<String> shots = Files.readAllLines(tmp.resolve("coop").resolve("seeds.csv"));
        assertEquals(41, shots.size());
        for (String line : shots.subList(1, shots.size())) {
            String[] f = line.split(",");
            assertEquals(f[0].substring(0, f[0].indexOf('/')), f[1], line);
        }
    }

    @Test
    void badMethodAndConfigFieldsAreNamed() throws Exception {
        String[] r = CliTest.run("adapt", "--method", "magic", "--data", labelled.toString(), "--out",
                tmp.resolve("x").toString());
        assertNotEquals("0", r[0]);
        assertTrue((r[1] + r[2]).contains("unknown method 'magic'"), r[1] + r[2]);
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"epochz\": 3}");
        r = CliTest.run("adapt", "--config", bad.toString(), "--data", labelled.toString(), "--out",
                tmp.resolve("y").toString());
        assertNotEquals("0", r[0]);
        assertTrue((r[1] + r[2]).contains("unknown field 'epochz'"), r[1] + r[2]);
        r = CliTest.run("adapt", "--method", "coop", "--data", flat.toString(), "--out", tmp.resolve("z").toString());
        assertNotEquals("0", r[0]);
        assertTrue((r[1] + r[2]).contains("needs labelled data"), r[1] + r[2]);
    }
}
