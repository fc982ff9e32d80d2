package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
import org.coft.dl4j.run.IntegrityException;
import org.coft.dl4j.train.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Integrity, portability and named errors of {@code coft adapt} run folders on a tiny CoFT run (60 images): damaged
 * files are named errors on eval, predict and resume; a run folder moved with its data resumes from its folder alone
 * to the same classifier; bad JSON names its file; bad inputs fail before {@code --out} exists.
 */
class RunIntegrityTest {
    @TempDir
    static Path tmp;
    static Path data;
    static Path config;
    static Path reference;
    static Map<String, String> referencePredictions;

    @BeforeAll
    static void run() throws Exception {
        AdaptCommandTest.assumeFashionMnist();
        data = tmp.resolve("proj").resolve("data");
        String[] r = CliTest.run("task", "fashion-shift", "--out", data.toString(), "--limit", "60");
        assertEquals("0", r[0], r[2]);
        config = tmp.resolve("tiny.json");
        Files.writeString(config, "{\"rounds\": 1, \"phase1\": {\"visual\": \"ADAPTER\", \"epochs\": 1, "
                + "\"seedsPerClass\": 2, \"batchSize\": 8}, \"phase2\": {\"epochs\": 2, \"batchSize\": 20}}");
        reference = tmp.resolve("reference");
        String[] a = CliTest.run("adapt", "--method", "coft", "--config", config.toString(), "--seed", "2",
                "--data", data.toString(), "--out", reference.toString());
        assertEquals("0", a[0], a[1] + a[2]);
        referencePredictions = predictions(reference);
    }

    static Map<String, String> predictions(Path model) throws Exception {
        Path csv = tmp.resolve("pred-" + model.getFileName() + "-" + System.nanoTime() + ".csv");
        String[] p = CliTest.run("predict", "--model", model.toString(), "--data", data.toString(), "--out",
                csv.toString());
        assertEquals("0", p[0], p[1] + p[2]);
        Map<String, String> out = new TreeMap<>();
        for (String line : Files.readAllLines(csv).subList(1, 61)) {
            out.put(line.substring(0, line.indexOf(',')), line.substring(line.indexOf(',') + 1));
        }
        return out;
    }

    static Path copy(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
        return to;
    }

    static String err(String[] r) {
        return r[1] + r[2];
    }

    @Test
    void aClassifierWithFlippedBytesIsANamedErrorOnEvalAndPredict() throws Exception {
        assertTrue(Files.readString(reference.resolve("files.json")).contains("\"classifier-u.fb\""));
        Path bad = copy(reference, tmp.resolve("flipped"));
        Path graph = bad.resolve("classifier-u.fb");
        byte[] b = Files.readAllBytes(graph);
        for (int i : new int[] {b.length / 2, b.length / 2 + 7, b.length - 100}) {
            b[i] ^= 0x10;
        }
        Files.write(graph, b);
        for (String cmd : List.of("eval", "predict")) {
            String[] r = CliTest.run(cmd, "--model", bad.toString(), "--data", data.toString(), "--out",
                    tmp.resolve(cmd + "-flipped.csv").toString());
            assertNotEquals("0", r[0], cmd + " must refuse a damaged classifier");
            assertTrue(err(r).contains("classifier-u.fb") && err(r).contains("SHA-256 mismatch: expected"), err(r));
        }
        var e = assertThrows(IntegrityException.class, () -> Adaptation.verify(bad));
        assertEquals(graph.toAbsolutePath().normalize(), e.file().toAbsolutePath().normalize());
        assertNotEquals(e.expected(), e.actual());
        // the classes file is authoritative and recorded too
        Files.writeString(bad.resolve("classifier-u.fb"), "");
        Files.write(graph, Files.readAllBytes(reference.resolve("classifier-u.fb")));
        Files.writeString(bad.resolve("classes.txt"), "a\nb\n", StandardOpenOption.APPEND);
        var c = assertThrows(IntegrityException.class, () -> Adaptation.read(bad));
        assertTrue(c.getMessage().contains("classes.txt"), c.getMessage());
    }

    @Test
    void aRunMovedWithItsDataResumesFromItsFolderAloneAndATruncatedCheckpointIsNamed() throws Exception {
        // started with --data relative to the working directory, as typed on a command line
        Path out = tmp.resolve("proj").resolve("run");
        String relData = Path.of("").toAbsolutePath().relativize(data.toAbsolutePath()).toString();
        ClassList cl = ClassList.fromFile(data.resolve("classes.txt"));
        var images = ImageViews.byFileName(ImageSources.open(relData, SourceOptions.defaults().withClasses(cl))
                .images());
        CoftConfig cfg = CoftConfig.read(config, CoftConfig.defaults(Method.COFT));
        Path base = EmbeddedModel.extract();
        ClipBackbone backbone = ClipBackbone.load(base, cfg.phase1(), cl.names());
        List<TrainingListener> stop = List.of(new CoftPipelineTest.Interrupt("epoch", 1));
        var ex = assertThrows(IllegalStateException.class, () -> Adaptation.adaptCoft(Method.COFT,
                new Adaptation.BaseModel(base, true), backbone, images, relData, cl.names(), cfg, 2, out,
                new PhaseOne.Options(2, 256, List.of()), stop));
        assertTrue(ex.getMessage().startsWith("interrupted"), ex.getMessage());
        Path ck = out.resolve("checkpoint-phase2-u.zip");
        assertTrue(Files.isRegularFile(ck), "phase II checkpoint after its first epoch");
        assertTrue(Files.readString(out.resolve("files.json")).contains("checkpoint-phase2-u.zip"));

        // a truncated checkpoint: a named error on resume, the run is not continued from it
        Path trunc = copy(out, tmp.resolve("truncated"));
        Path tck = trunc.resolve("checkpoint-phase2-u.zip");
        byte[] bytes = Files.readAllBytes(tck);
        Files.write(tck, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        String[] t = CliTest.run("adapt", "--resume", trunc.toString());
        assertNotEquals("0", t[0]);
        assertTrue(err(t).contains("checkpoint-phase2-u.zip") && err(t).contains("SHA-256 mismatch")
                && err(t).contains("delete it"), err(t));
        assertFalse(Files.exists(trunc.resolve("classifier-u.fb")));

        // the project folder (data and run) moves; --resume needs only the run folder, from any working directory
        Path moved = tmp.resolve("moved");
        Files.move(tmp.resolve("proj"), moved);
        Path runMoved = moved.resolve("run");
        String[] r = CliTest.run("adapt", "--resume", runMoved.toString());
        assertEquals("0", r[0], err(r));
        assertTrue(r[1].contains("resuming") && r[1].contains(moved.resolve("data").toString()), r[1]);
        Files.move(moved, tmp.resolve("proj"));
        assertEquals(referencePredictions, predictions(tmp.resolve("proj").resolve("run")));

        // the data gone: a named error
        Path gone = copy(tmp.resolve("truncated"), tmp.resolve("elsewhere").resolve("truncated"));
        Files.move(tmp.resolve("proj").resolve("data"), tmp.resolve("data-away"));
        try {
            String[] g = CliTest.run("adapt", "--resume", gone.toString());
            assertNotEquals("0", g[0]);
            assertTrue(err(g).contains("the run's data") && err(g).contains("is gone"), err(g));
        } finally {
            Files.move(tmp.resolve("data-away"), tmp.resolve("proj").resolve("data"));
        }
    }

    @Test
    void garbledJsonFilesAreNamed() throws Exception {
        Path bad = copy(reference, tmp.resolve("garbled"));
        Files.writeString(bad.resolve("run.json"), "{\"method\": \"coft\", \"se");
        String[] r = CliTest.run("adapt", "--resume", bad.toString());
        assertNotEquals("0", r[0]);
        assertTrue(err(r).contains(bad.resolve("run.json").toString()), err(r));
        // a garbled file that the ledger does not guard: the JSON error names it, with the position
        Path cfg = tmp.resolve("truncated-config.json");
        Files.writeString(cfg, "{\"rounds\": 1, \"phase1\": {\"epochs\": ");
        r = CliTest.run("adapt", "--method", "coft", "--config", cfg.toString(), "--data", data.toString(), "--out",
                tmp.resolve("never").toString());
        assertNotEquals("0", r[0]);
        assertTrue(err(r).contains(cfg.toString()) && err(r).contains("not valid JSON") && err(r).contains("line 1"),
                err(r));
        Files.writeString(bad.resolve("files.json"), "[1, 2");
        r = CliTest.run("eval", "--model", bad.toString(), "--data", data.toString());
        assertNotEquals("0", r[0]);
        assertTrue(err(r).contains(bad.resolve("files.json").toString()) && err(r).contains("not valid JSON"), err(r));
        Files.delete(bad.resolve("files.json"));
        r = CliTest.run("predict", "--model", bad.toString(), "--data", data.toString());
        assertNotEquals("0", r[0]);
        assertTrue(err(r).contains("files.json") && err(r).contains("re-create it with coft adapt"), err(r));
    }

    @Test
    void aOneClassFolderFailsBeforeTheOutputFolderIsCreated() throws Exception {
        Path one = tmp.resolve("one-class");
        Files.createDirectories(one.resolve("bag"));
        Files.writeString(one.resolve("classes.txt"), "bag\n");
        try (Stream<Path> s = Files.walk(data.resolve("bag"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.copy(p, one.resolve("bag").resolve(p.getFileName()));
            }
        }
        for (String method : List.of("coft-phase1", "coft")) {
            Path out = tmp.resolve("one-class-out-" + method);
            String[] r = CliTest.run("adapt", "--method", method, "--data", one.toString(), "--out", out.toString());
            assertNotEquals("0", r[0]);
            assertTrue(err(r).contains("at least 2 classes") && err(r).contains("[bag]"), err(r));
            assertFalse(Files.exists(out), method + ": --out must not be created for bad inputs");
        }
        Path out = tmp.resolve("no-classes-out");
        String[] r = CliTest.run("adapt", "--data", one.toString(), "--classes", tmp.resolve("nope.txt").toString(),
                "--out", out.toString());
        assertNotEquals("0", r[0]);
        assertTrue(err(r).contains("nope.txt"), err(r));
        assertFalse(Files.exists(out));
    }
}
