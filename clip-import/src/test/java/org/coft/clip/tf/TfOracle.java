package org.coft.clip.tf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.coft.clip.tf.fixtures.TensorFile;
import org.coft.clip.tf.fixtures.TfClipFixtures;
import org.coft.clip.tf.fixtures.TfClipSpec;
import org.junit.jupiter.api.Assumptions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs {@link TfClipFixtures} in a forked JVM on TensorFlow Java's own class path ({@code target/tf-oracle}, copied
 * there by the build): TF Java needs JavaCPP 1.5.11, ND4J M2.1 needs 1.5.7, and neither loads on the other's. Tests
 * that need the oracle are skipped, with the reason, when the jars are absent.
 */
public final class TfOracle {
    private static final Map<String, Path> CACHE = new LinkedHashMap<>();

    private TfOracle() {
    }

    static Path lib() {
        Path lib = Path.of(System.getProperty("coft.tf.oracle.lib", "target/tf-oracle"));
        Assumptions.assumeTrue(Files.isDirectory(lib) && lib.toFile().list().length >= 6, "TensorFlow Java jars not in "
                + lib + " (the build copies them in generate-test-resources); TF oracle tests skipped");
        return lib;
    }

    /** The tiny random-weight fixture, generated once per test JVM. */
    public static synchronized Path tiny() throws IOException, InterruptedException {
        Path p = CACHE.get("tiny");
        if (p == null) {
            p = generate("tiny", TfClipSpec.tiny(7), null, null);
            CACHE.put("tiny", p);
        }
        return p;
    }

    /** Import options binding the fixture graphs' dynamic text length (both text inputs' axis 1). */
    public static org.coft.clip.onnx.ImportOptions textLength(long tokens) {
        return org.coft.clip.onnx.ImportOptions.defaults().withDim("input_ids_dim1", tokens)
                .withDim("attention_mask_dim1", tokens);
    }

    /** The tiny model with Keras-style layer norms, generated once per test JVM. */
    public static synchronized Path tinyKeras() throws IOException, InterruptedException {
        Path p = CACHE.get("tiny-keras");
        if (p == null) {
            p = generate("tiny-keras", TfClipSpec.tinyKeras(7), null, null);
            CACHE.put("tiny-keras", p);
        }
        return p;
    }

    /** The single-op cases ({@code TfOpCases}), generated once per test JVM. */
    public static synchronized Path ops() throws IOException, InterruptedException {
        Path p = CACHE.get("ops");
        if (p == null) {
            Path dir = Files.createTempDirectory("tf-ops");
            deleteOnExit(dir);
            fork(dir, List.of("--ops", dir.resolve("out").toString()));
            p = dir.resolve("out");
            CACHE.put("ops", p);
        }
        return p;
    }

    /**
     * Generates a fixture into a new temporary folder (deleted when the JVM exits).
     *
     * @param weights by torch name in TF layout, or null for random weights from the spec's seed
     * @param inputs  input sets ({@code set/name}), or null for random sets b1 and b3
     */
    public static Path generate(String label, TfClipSpec spec, Map<String, TensorFile.Tensor> weights,
                                Map<String, TensorFile.Tensor> inputs) throws IOException, InterruptedException {
        lib();
        Path dir = Files.createTempDirectory("tf-clip-" + label);
        deleteOnExit(dir);
        Path out = dir.resolve("out");
        spec.write(dir.resolve("spec.properties"));
        List<String> args = new ArrayList<>(List.of("--out", out.toString(), "--spec",
                dir.resolve("spec.properties").toString()));
        if (weights != null) {
            TensorFile.write(dir.resolve("weights.bin"), weights);
            args.addAll(List.of("--weights", dir.resolve("weights.bin").toString()));
        }
        if (inputs != null) {
            TensorFile.write(dir.resolve("inputs-given.bin"), inputs);
            args.addAll(List.of("--inputs", dir.resolve("inputs-given.bin").toString()));
        }
        fork(dir, args);
        return out;
    }

    /** Runs {@link TfClipFixtures} with {@code args} in a JVM on TensorFlow Java's class path; log in {@code dir}. */
    private static void fork(Path dir, List<String> args) throws IOException, InterruptedException {
        Path lib = lib();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-cp", classes() + java.io.File.pathSeparator + lib.toAbsolutePath() + "/*",
                TfClipFixtures.class.getName()));
        cmd.addAll(args);
        Path log = dir.resolve("generator.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // TensorFlow's oneDNN custom ops, on by default, change results by CPU: on an AVX512-BF16 EPYC the Keras
        // layer-norm fixture's SavedModel differed from its frozen graph by 1e-2 (1e-6 without them); the oracle is
        // a reference, so it runs TensorFlow's own kernels everywhere
        pb.environment().put("TF_ENABLE_ONEDNN_OPTS", "0");
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("TF fixture generator timed out; log " + log);
        }
        if (p.exitValue() != 0) {
            List<String> lines = Files.readAllLines(log);
            throw new IOException("TF fixture generator failed (exit " + p.exitValue() + "):\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size())));
        }
    }

    private static String classes() {
        try {
            return Path.of(TfClipFixtures.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Tensors of a {@link TensorFile} whose names start with {@code set + "/"}, by the rest of the name. */
    public static Map<String, INDArray> read(Path file, String set) throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (var e : TensorFile.read(file).entrySet()) {
            if (e.getKey().startsWith(set + "/")) {
                out.put(e.getKey().substring(set.length() + 1), nd4j(e.getValue()));
            }
        }
        return out;
    }

    public static INDArray nd4j(TensorFile.Tensor t) {
        if (t.f() != null) {
            return Nd4j.create(t.f(), t.shape(), 'c');
        }
        if (t.i() != null) {
            return Nd4j.createFromArray(t.i()).reshape('c', t.shape());
        }
        return Nd4j.createFromArray(t.l()).reshape('c', t.shape());
    }

    public static TensorFile.Tensor tensor(INDArray a) {
        long[] shape = a.shape();
        INDArray c = a.dup('c');
        if (a.dataType() == DataType.INT) {
            return TensorFile.Tensor.ofInts(c.data().asInt(), shape);
        }
        if (a.dataType() == DataType.LONG) {
            return TensorFile.Tensor.ofLongs(c.data().asLong(), shape);
        }
        return TensorFile.Tensor.of(c.castTo(DataType.FLOAT).data().asFloat(), shape);
    }

    private static void deleteOnExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // temp folder left behind
            }
        }));
    }
}
