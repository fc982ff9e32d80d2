package org.coft.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.coft.clip.onnx.OnnxImportException;
import org.coft.clip.onnx.OnnxImporter;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coft inspect MODEL}: architecture, sizes, op inventory, and what is unsupported. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show an ONNX or TensorFlow model's (or model directory's) architecture, sizes, op inventory and "
                + "unsupported ops.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "an .onnx file, a TensorFlow frozen .pb or SavedModel folder, or a "
            + "model directory")
    Path model;

    @Option(names = "--signature", description = "SavedModel signature (default serving_default)")
    String signature;

    @Option(names = "--dim", description = "bind a symbolic input dimension, e.g. sequence_length=77", split = ",")
    Map<String, Long> dims = new java.util.LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        List<Path> files = ModelGraphs.files(model);
        int bad = 0;
        for (Path f : files) {
            bad += inspect(f);
        }
        return bad == 0 ? 0 : 2;
    }

    /** Image size from a preprocessor_config.json beside the file, else 224 (override with --dim). */
    private static int imageSize(Path file) {
        Path pp = file.toAbsolutePath().resolveSibling("preprocessor_config.json");
        if (Files.isRegularFile(pp)) {
            try {
                return org.coft.clip.preprocess.PreprocessConfig.fromHuggingFace(pp).outputHeight();
            } catch (java.io.IOException | RuntimeException e) {
                return 224;
            }
        }
        return 224;
    }

    private int inspect(Path file) throws OnnxImportException {
        System.out.println("== " + file);
        IrGraph g;
        try {
            g = ModelGraphs.parse(file, signature);
        } catch (OnnxImportException e) {
            // a TF graph is translated while parsed: its unsupported ops surface here, all at once
            System.out.println("import: FAILED");
            for (OnnxImportException.Problem p : e.problems()) {
                System.out.println("  unsupported: " + p);
            }
            return 1;
        }
        if (ModelGraphs.isTensorFlow(file)) {
            System.out.println("format: TensorFlow, translated to ONNX opset " + g.opset(""));
        }
        System.out.println("opsets: " + g.opsets());
        System.out.println("architecture: " + Architecture.guess(g));
        long params = g.constants().entrySet().stream().filter(e -> g.initializers().contains(e.getKey()))
                .map(Map.Entry::getValue).mapToLong(INDArray::length).sum();
        System.out.printf("parameters: %,d in %d initializers%n", params, g.initializers().size());
        for (Map.Entry<String, TensorType> in : g.inputs().entrySet()) {
            System.out.println("input  " + in.getKey() + " " + in.getValue());
        }
        System.out.println("outputs " + g.outputs());
        Map<String, Integer> ops = g.opCounts();
        System.out.println("ONNX ops (" + ops.values().stream().mapToInt(Integer::intValue).sum() + " nodes): " + ops);
        ImportOptions options = ImportOptions.defaults().withDims(Architecture.defaultDims(g, imageSize(file)))
                .withDims(dims);
        try {
            OnnxGraph imported = new OnnxImporter().importGraph(g, options);
            var r = imported.report();
            System.out.println("import: OK; " + r.onnxOpCount() + " ONNX nodes -> " + r.runtimeOpCount()
                    + " runtime nodes (" + r.sameDiffOps() + " SameDiff ops), " + r.folded() + " folded, fusions "
                    + r.fusions());
            System.out.println("runtime ops: " + r.runtimeOps());
            return 0;
        } catch (OnnxImportException e) {
            System.out.println("import: FAILED");
            for (OnnxImportException.Problem p : e.problems()) {
                System.out.println("  unsupported: " + p);
            }
            return 1;
        }
    }
}
