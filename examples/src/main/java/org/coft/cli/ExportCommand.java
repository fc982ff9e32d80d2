package org.coft.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.export.OnnxExport;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code coft export}: writes an adapted model folder as one ONNX classifier ({@link OnnxExport}): pixels in, class
 * probabilities and logits out, class names and preprocessing in its metadata. Before the file is written it is run
 * in ONNX Runtime on a batch of random inputs and compared with the run's own prediction; a difference beyond
 * {@value #ATOL} in any probability stops the export.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export an adapted model (from coft adapt) as an ONNX classifier that ONNX Runtime runs with the "
                + "same predictions as coft predict.")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    AdaptedRun adapted = new AdaptedRun();

    /** Largest difference in a class probability the pre-write check accepts (cross-runtime fp32). */
    static final double ATOL = 1e-4;

    @Option(names = "--out", required = true, description = "ONNX file to write, e.g. classifier.onnx")
    Path out;

    @Option(names = "--check", defaultValue = "8", description = "random inputs the file is checked on in ONNX "
            + "Runtime before it is written; 0 = no check (default: ${DEFAULT-VALUE})")
    int check;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getErr();
        if (!Files.isDirectory(adapted.model)) {
            throw new IllegalArgumentException("--model " + adapted.model + " does not exist or is not a folder");
        }
        if (check < 0 || check > 1024) {
            throw new IllegalArgumentException("--check: " + check + " (allowed 0..1024)");
        }
        Adaptation.Adapted a = Adaptation.read(adapted.model);
        Path dir = adapted.base != null ? adapted.base : a.embeddedBase() ? EmbeddedModel.extract() : Path.of(a.basePath());
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("the base model " + dir + " that " + adapted.model + " was adapted from is gone; "
                    + "give its new place with --base DIR");
        }
        try (OnnxExport export = OnnxExport.prepare(a, dir)) {
            String[] checked = new String[1];
            OnnxExport.Summary s = export.write(out, bytes -> checked[0] = check == 0 ? "not checked (--check 0)"
                    : check(export, bytes, check));
            log.printf("export: %s (%s, %d classes, %d member(s) %s, %d tower weights written back) -> %s (%.1f MiB); "
                    + "outputs %s%n", adapted.model, a.method().cliName(), s.classes(), s.members().size(), s.members(),
                    s.weightsReplaced(), s.file(), s.bytes() / 1048576.0, s.outputs());
            log.println("export: " + checked[0]);
        }
        return 0;
    }

    /**
     * Runs the serialised model in ONNX Runtime on {@code n} random pixel inputs and compares its probabilities with
     * the run's own; returns a one-line report.
     *
     * @throws IllegalStateException when a probability differs by more than {@value #ATOL}
     */
    static String check(OnnxExport export, byte[] bytes, int n) throws IOException {
        var pp = export.preprocess();
        long[] shape = {n, 3, pp.outputHeight(), pp.outputWidth()};
        java.util.Random r = new java.util.Random(20260);
        float[] px = new float[(int) (shape[0] * shape[1] * shape[2] * shape[3])];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) r.nextGaussian();
        }
        INDArray want = export.referenceProbabilities(Nd4j.create(px, shape, 'c')).castTo(DataType.DOUBLE);
        float[][] got = run(bytes, export.pixelInput(), px, shape);
        double worst = 0;
        int at = -1;
        int agree = 0;
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 0; c < got[i].length; c++) {
                double d = Math.abs(got[i][c] - want.getDouble(i, c));
                if (d > worst) {
                    worst = d;
                    at = i * got[i].length + c;
                }
                best = got[i][c] > got[i][best] ? c : best;
            }
            agree += best == want.getRow(i).argMax().getInt(0) ? 1 : 0;
        }
        int c = got[0].length;
        String where = at < 0 ? "" : " (input " + at / c + ", class " + at % c + ")";
        if (worst > ATOL) {
            throw new IllegalStateException(String.format("the exported model does not reproduce the run's prediction: "
                    + "max |Δp| %.3g%s > %.0e on %d random inputs in ONNX Runtime; nothing written", worst, where,
                    ATOL, n));
        }
        return String.format("checked in ONNX Runtime on %d random inputs: max |Δp| %.2g%s, arg-max agrees on %d/%d",
                n, worst, where, agree, n);
    }

    /** The {@value OnnxExport#PROBABILITIES} of a model (bytes) for float pixels of the given shape. */
    static float[][] run(byte[] model, String input, float[] pixels, long[] shape) throws IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
             OrtSession s = env.createSession(model, o);
             OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), shape);
             OrtSession.Result res = s.run(Map.of(input, x))) {
            return (float[][]) res.get(OnnxExport.PROBABILITIES).orElseThrow().getValue();
        } catch (OrtException e) {
            throw new IOException("ONNX Runtime cannot run the exported model: " + e.getMessage(), e);
        }
    }
}
