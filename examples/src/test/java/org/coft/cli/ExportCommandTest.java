package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.coft.cli.task.DemoSample;
import org.coft.cli.task.TaskRegistry;
import org.coft.cli.task.TaskWriter;
import org.coft.clip.onnx.parse.OnnxTensors;
import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.iterate.ImageBatch;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.export.OnnxExport;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.run.RunFolder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code coft export} end to end on the real images shipped in the jar (100 rotated Fashion-MNIST test images) and
 * the committed micro-CLIP: small CoFT runs (one and two classifier graphs) and Phase I runs (feature adapter; deep
 * visual prompts) exported, run in ONNX Runtime on the images {@code coft predict} reads, and compared with
 * {@code coft predict}'s output — the same prediction for every image, every class probability within {@value #ATOL}.
 */
class ExportCommandTest {
    /** Cross-runtime fp32 tolerance on a class probability. */
    static final double ATOL = 1e-4;
    static final Path BASE = Path.of("..", "models", "micro-clip");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path data;
    static Path coft;
    static Path vpt;

    @BeforeAll
    static void runs() throws Exception {
        data = tmp.resolve("data");
        var task = TaskRegistry.byName("fashion-shift");
        TaskWriter.write(task, DemoSample.fashionShift(10), data, "ExportCommandTest", Path.of("coft.jar!"
                + DemoSample.RESOURCE), 100);
        Path config = tmp.resolve("coft.json");
        Files.writeString(config, "{\"phase1\": {\"visual\": \"ADAPTER\", \"epochs\": 2, \"seedsPerClass\": 2, "
                + "\"batchSize\": 8}, \"phase2\": {\"epochs\": 1, \"batchSize\": 25}}");
        coft = tmp.resolve("coft");
        String[] a = CliTest.run("adapt", "--method", "coft", "--model", BASE.toString(), "--config", config.toString(),
                "--data", data.toString(), "--out", coft.toString());
        assertEquals("0", a[0], a[1] + a[2]);
        Path vptConfig = tmp.resolve("vpt.json");
        Files.writeString(vptConfig, "{\"visual\": \"VPT_DEEP\", \"promptTokens\": 4, \"contextTokens\": 4, "
                + "\"epochs\": 1, \"seedsPerClass\": 2, \"batchSize\": 10}");
        vpt = tmp.resolve("vpt");
        String[] v = CliTest.run("adapt", "--method", "coft-phase1", "--model", BASE.toString(), "--config",
                vptConfig.toString(), "--data", data.toString(), "--out", vpt.toString());
        assertEquals("0", v[0], v[1] + v[2]);
    }

    /** What the exported model gave against coft predict. */
    record Agreement(int images, int disagreements, double maxCsvDiff, double maxProbDiff) { }

    /**
     * Exports {@code run}, runs the file in ONNX Runtime on the images preprocessed as its metadata says, and compares
     * with {@code coft predict}'s CSV (prediction, probability) and with the run's full probability matrix.
     */
    static Agreement exportAndCompare(Path run, String name) throws Exception {
        Path onnx = tmp.resolve(name + ".onnx");
        String[] e = CliTest.run("export", "--model", run.toString(), "--out", onnx.toString());
        assertEquals("0", e[0], e[1] + e[2]);
        assertTrue(e[2].contains("checked in ONNX Runtime on 8 random inputs"), e[2]);
        Adaptation.Adapted a = Adaptation.read(run);
        // the metadata is enough to use the file: class names and preprocessing
        Map<String, String> meta;
        byte[] bytes = Files.readAllBytes(onnx);
        try (OrtSession s = OrtEnvironment.getEnvironment().createSession(bytes, new OrtSession.SessionOptions())) {
            meta = s.getMetadata().getCustomMetadata();
            assertTrue(s.getOutputNames().contains(OnnxExport.PROBABILITIES), s.getOutputNames().toString());
        }
        assertEquals(OnnxExport.FORMAT, meta.get(OnnxExport.META_FORMAT));
        assertEquals(a.method().cliName(), meta.get(OnnxExport.META_METHOD));
        List<String> classes = List.of(JSON.readValue(meta.get(OnnxExport.META_CLASSES), String[].class));
        assertEquals(a.classes(), classes);
        PreprocessConfig pp = PreprocessConfig.fromJson(meta.get(OnnxExport.META_PREPROCESS));
        assertEquals(org.coft.clip.model.ClipModel.load(BASE).preprocess(), pp);
        // ONNX Runtime on the images coft predict reads
        UnlabeledImages images = ImageViews.byFileName(ImageSources.open(data.toString(), SourceOptions.defaults())
                .images());
        Map<String, float[]> ort = new HashMap<>();
        try (ImageBatchIterator it = ImageBatchIterator.builder(images, pp).batchSize(64).build()) {
            while (it.hasNext()) {
                ImageBatch b = it.nextBatch();
                INDArray px = b.images();
                float[][] p = ExportCommand.run(bytes, "pixel_values", px.dup('c').data().asFloat(), px.shape());
                for (int i = 0; i < p.length; i++) {
                    ort.put(b.ids().get(i), p[i]);
                }
            }
        }
        assertEquals(100, ort.size());
        // coft predict's CSV
        Path csv = tmp.resolve(name + "-predict.csv");
        String[] p = CliTest.run("predict", "--model", run.toString(), "--data", data.toString(), "--out", csv.toString());
        assertEquals("0", p[0], p[1] + p[2]);
        int disagree = 0;
        double csvDiff = 0;
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            float[] q = ort.get(f[0]);
            int best = argmax(q);
            disagree += classes.get(best).equals(f[1]) ? 0 : 1;
            csvDiff = Math.max(csvDiff, Math.abs(q[best] - Double.parseDouble(f[2])));
        }
        assertEquals(100, lines.size() - 1);
        // and every class probability, in process
        Adaptation.Predictions pred = Adaptation.predict(a, EvalCommand.backbone(a, null), images,
                new PhaseOne.Options(2, 64, List.of()));
        double probDiff = 0;
        for (int i = 0; i < pred.ids().size(); i++) {
            float[] q = ort.get(pred.ids().get(i));
            for (int c = 0; c < q.length; c++) {
                probDiff = Math.max(probDiff, Math.abs(q[c] - pred.probabilities().getDouble(i, c)));
            }
        }
        Agreement r = new Agreement(ort.size(), disagree, csvDiff, probDiff);
        System.out.println("export " + name + " (" + a.method().cliName() + "): " + r);
        return r;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int c = 1; c < v.length; c++) {
            best = v[c] > v[best] ? c : best;
        }
        return best;
    }

    static void assertAgrees(Agreement r) {
        assertEquals(0, r.disagreements(), r.toString());
        // the CSV rounds to 6 decimals
        assertTrue(r.maxCsvDiff() <= ATOL + 5e-7, r.toString());
        assertTrue(r.maxProbDiff() <= ATOL, r.toString());
    }

    @Test
    void aCoftClassifierRunsInOnnxRuntimeWithCoftPredictsPredictions() throws Exception {
        assertAgrees(exportAndCompare(coft, "coft"));
        // the file holds the fine-tuned tower, not the base one
        var base = onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(BASE.resolve("vision_model.onnx")));
        var exported = onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(tmp.resolve("coft.onnx")));
        Map<String, INDArray> was = new HashMap<>();
        for (var t : base.getGraph().getInitializerList()) {
            was.put(t.getName(), OnnxTensors.decode(t, null));
        }
        long changed = 0;
        for (var t : exported.getGraph().getInitializerList()) {
            changed += was.containsKey(t.getName()) && !was.get(t.getName()).equals(OnnxTensors.decode(t, null)) ? 1 : 0;
        }
        assertTrue(changed >= 60, changed + " of the base tower's initializers were written back changed");
    }

    @Test
    void twoClassifierGraphsExportAsTwoTowersWhoseProbabilitiesAreAveraged() throws Exception {
        Path config = tmp.resolve("ensemble.json");
        Files.writeString(config, "{\"phase1\": {\"visual\": \"ADAPTER\", \"epochs\": 2, \"seedsPerClass\": 2, "
                + "\"batchSize\": 8}, \"phase2\": {\"epochs\": 1, \"batchSize\": 25, \"cleanSets\": \"ENSEMBLE\"}}");
        Path run = tmp.resolve("ensemble");
        String[] a = CliTest.run("adapt", "--method", "coft", "--model", BASE.toString(), "--config", config.toString(),
                "--data", data.toString(), "--out", run.toString(), "--phase1-from", coft.toString());
        assertEquals("0", a[0], a[1] + a[2]);
        assertEquals(2, Adaptation.read(run).classifiers().size());
        assertAgrees(exportAndCompare(run, "ensemble"));
        var m = onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(tmp.resolve("ensemble.onnx")));
        assertEquals(List.of("probabilities", "logits_a", "logits_b"), m.getGraph().getOutputList().stream()
                .map(onnx.Onnx.ValueInfoProto::getName).toList());
        assertTrue(m.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("Mean")));
    }

    @Test
    void aPhaseOneModelWithTheFeatureAdapterFoldsItsPromptsIntoTheHead() throws Exception {
        assertAgrees(exportAndCompare(coft.resolve("phase1"), "phase1-adapter"));
    }

    @Test
    void aPhaseOneModelWithDeepVisualPromptsExportsItsPromptTokensIntoTheTower() throws Exception {
        assertAgrees(exportAndCompare(vpt, "phase1-vpt"));
        var m = onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(tmp.resolve("phase1-vpt.onnx")));
        assertTrue(m.getGraph().getInitializerList().stream().anyMatch(t -> t.getName().equals("a/vpt/deep3/prompts")),
                "model A's layer-3 prompts are in the file");
    }

    @Test
    void theExportIsDeterministic() throws Exception {
        Path one = tmp.resolve("det-1.onnx");
        Path two = tmp.resolve("det-2.onnx");
        assertEquals("0", CliTest.run("export", "--model", coft.toString(), "--out", one.toString(), "--check", "0")[0]);
        assertEquals("0", CliTest.run("export", "--model", coft.toString(), "--out", two.toString(), "--check", "0")[0]);
        assertArrayEquals(Files.readAllBytes(one), Files.readAllBytes(two));
    }

    @Test
    void theCheckRefusesAModelThatDoesNotReproduceTheRunAndLeavesTheOldFile() throws Exception {
        Path other = tmp.resolve("other.onnx");
        assertEquals("0", CliTest.run("export", "--model", coft.resolve("phase1").toString(), "--out",
                other.toString(), "--check", "0")[0]);
        byte[] wrong = Files.readAllBytes(other);
        Path out = tmp.resolve("kept.onnx");
        Files.writeString(out, "an older file");
        try (OnnxExport export = OnnxExport.prepare(Adaptation.read(coft), BASE)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> export.write(out, bytes -> ExportCommand.check(export, wrong, 8)));
            assertTrue(e.getMessage().contains("max |Δp|") && e.getMessage().contains("nothing written"),
                    e.getMessage());
        }
        assertEquals("an older file", Files.readString(out));
    }

    @Test
    void badInputIsNamed() throws Exception {
        Path out = tmp.resolve("bad.onnx");
        String[] missing = CliTest.run("export", "--model", tmp.resolve("no-such-run").toString(), "--out",
                out.toString());
        assertNotEquals("0", missing[0]);
        assertTrue(missing[2].contains("no-such-run") && missing[2].contains("does not exist"), missing[2]);
        String[] notRun = CliTest.run("export", "--model", data.toString(), "--out", out.toString());
        assertNotEquals("0", notRun[0]);
        assertTrue(notRun[2].contains("is not an adapted model"), notRun[2]);
        String[] folder = CliTest.run("export", "--model", vpt.toString(), "--out", tmp.toString());
        assertNotEquals("0", folder[0]);
        assertTrue(folder[2].contains("is a folder"), folder[2]);
        String[] otherBase = CliTest.run("export", "--model", vpt.toString(), "--out", out.toString(), "--base",
                CliTest.FIXTURES.resolve("clip-tiny-hf").toString());
        assertNotEquals("0", otherBase[0]);
        assertTrue(otherBase[2].contains("differs from the one"), otherBase[2]);
        // an unknown method, recorded in the ledger (so the folder verifies)
        Path copy = RunIntegrityTest.copy(vpt, tmp.resolve("vpt-renamed"));
        Path manifest = copy.resolve("adapted.json");
        ObjectNode m = (ObjectNode) JSON.readTree(manifest.toFile());
        m.put("method", "coft-phase3");
        Files.writeString(manifest, m.toString());
        Path ledger = copy.resolve(RunFolder.LEDGER);
        ObjectNode l = (ObjectNode) JSON.readTree(ledger.toFile());
        ObjectNode entry = (ObjectNode) l.path("files").path("adapted.json");
        entry.put("sha256", RunFolder.hash(manifest));
        entry.put("bytes", Files.size(manifest));
        Files.writeString(ledger, l.toString());
        String[] method = CliTest.run("export", "--model", copy.toString(), "--out", out.toString());
        assertNotEquals("0", method[0]);
        assertTrue(method[2].contains("unknown method 'coft-phase3'") && method[2].contains("adapted.json"),
                method[2]);
        assertFalse(Files.exists(out), "nothing is written on bad input");
        List<String> none = new ArrayList<>();
        try (var s = Files.list(tmp)) {
            s.filter(f -> f.getFileName().toString().startsWith("bad.onnx")).forEach(f -> none.add(f.toString()));
        }
        assertEquals(List.of(), none, "no temporary files are left");
    }
}
