package org.coft.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.coft.clip.onnx.OnnxImporter;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coft graph-run}: import an ONNX or TF graph, run it on .npy inputs, write every output as .npy. */
@Command(name = "graph-run", mixinStandardHelpOptions = true,
        description = "Import an ONNX or TensorFlow graph with our importer, run it, and write each output as "
                + "DIR/<output>.npy.")
final class GraphRunCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "the .onnx file, a TensorFlow frozen .pb, or a "
            + "SavedModel folder")
    Path model;

    @Option(names = "--signature", description = "SavedModel signature (default serving_default)")
    String signature;

    @Option(names = "--input", required = true, description = "NAME=FILE.npy, once per graph input")
    Map<String, Path> inputs = new LinkedHashMap<>();

    @Option(names = "--out", required = true, description = "output folder (created)")
    Path out;

    @Override
    public Integer call() throws Exception {
        IrGraph g = ModelGraphs.parse(model, signature);
        Map<String, INDArray> values = new LinkedHashMap<>();
        Map<String, Long> dims = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : inputs.entrySet()) {
            if (!Files.isRegularFile(e.getValue())) {
                throw new IllegalArgumentException("input '" + e.getKey() + "': no such file " + e.getValue());
            }
            TensorType t = g.inputs().get(e.getKey());
            if (t == null) {
                throw new IllegalArgumentException("the model has no input '" + e.getKey() + "'; inputs are "
                        + g.inputs().keySet());
            }
            INDArray a = Nd4j.createFromNpyFile(new File(e.getValue().toString()));
            if (a.rank() != t.rank()) {
                throw new IllegalArgumentException("input '" + e.getKey() + "' (" + e.getValue() + ") has rank " + a.rank()
                        + ", the model expects " + t);
            }
            // non-batch dynamic dims take the sizes of the given arrays
            for (int i = 1; i < t.rank(); i++) {
                if (!t.dim(i).isKnown()) {
                    dims.put(t.dim(i).symbol(), a.size(i));
                }
            }
            values.put(e.getKey(), a);
        }
        OnnxGraph graph = new OnnxImporter().importGraph(g, ImportOptions.defaults().withDims(dims));
        Map<String, INDArray> result = graph.run(values);
        Files.createDirectories(out);
        for (Map.Entry<String, INDArray> e : result.entrySet()) {
            String name = e.getKey().replaceAll("[^A-Za-z0-9_.\\-]", "_");
            Path f = out.resolve(name + ".npy");
            Path tmp = out.resolve(name + ".npy.tmp");
            Nd4j.writeAsNumpy(e.getValue(), new File(tmp.toString()));
            Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            System.out.println(e.getKey() + " " + java.util.Arrays.toString(e.getValue().shape()) + " -> " + f);
        }
        return 0;
    }
}
