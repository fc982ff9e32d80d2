package org.coft.clip.tf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.tf.fixtures.TfClipFixtures;
import org.coft.clip.tf.fixtures.TfClipSpec;

/**
 * Writes {@code models/micro-clip-tf}: the micro-CLIP ({@code models/micro-clip/model.onnx}, real weights via
 * {@link MicroClipTf#weights()}) rebuilt as a TensorFlow SavedModel by {@link TfClipFixtures} (forked JVM on
 * {@code target/tf-oracle}, see {@link TfOracle}), with the ONNX model's tokenizer and preprocessing files beside it,
 * and {@code manifest.json} (generator, TensorFlow version, source model, sha256 of every file). Run by
 * {@code MicroClipTfExportTest} (which also checks that a regeneration reproduces the committed bytes).
 */
final class MicroClipTfExport {
    /** The model directory, relative to the {@code clip-import} module (Maven's working directory for tests). */
    static final Path DIR = Path.of("..", "models", "micro-clip-tf");
    /** Files copied unchanged from {@code models/micro-clip}. */
    static final List<String> COPIED = List.of("vocab.json", "merges.txt", "tokenizer_config.json",
            "preprocessor_config.json", "config.json");
    /** The SavedModel's files, as TF Java's exporter writes them. */
    static final List<String> SAVED_MODEL = List.of("saved_model.pb", "variables/variables.index",
            "variables/variables.data-00000-of-00001");

    private MicroClipTfExport() {
    }

    /**
     * Generates the model directory into {@code out} (created; existing files of the same names replaced).
     *
     * @return sha256 of every written file except {@code manifest.json}, by relative path
     */
    static Map<String, String> export(Path out) throws Exception {
        Path gen = TfOracle.generate("micro-export", TfClipSpec.microClip(), MicroClipTf.weights(), null);
        Files.createDirectories(out.resolve("variables"));
        Map<String, String> sha = new LinkedHashMap<>();
        for (String f : SAVED_MODEL) {
            Files.copy(gen.resolve("saved_model").resolve(f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            sha.put(f, sha256(out.resolve(f)));
        }
        for (String f : COPIED) {
            Files.copy(MicroClipTf.DIR.resolve(f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            sha.put(f, sha256(out.resolve(f)));
        }
        String tfVersion = field(Files.readString(gen.resolve("manifest.json")), "tensorflow");
        String savedVsFrozen = field(Files.readString(gen.resolve("manifest.json")), "saved_model_vs_frozen_max_abs");
        StringBuilder j = new StringBuilder("{\n");
        j.append("  \"generator\": \"").append(MicroClipTfExport.class.getName()).append(" -> ")
                .append(TfClipFixtures.class.getName()).append("\",\n");
        j.append("  \"spec\": \"").append(TfClipSpec.microClip()).append("\",\n");
        j.append("  \"source\": \"models/micro-clip/model.onnx\",\n");
        j.append("  \"source_sha256\": \"").append(sha256(MicroClipTf.DIR.resolve("model.onnx"))).append("\",\n");
        j.append("  \"tensorflow\": \"").append(tfVersion).append("\",\n");
        j.append("  \"tensorflow_java\": \"1.1.0\",\n");
        j.append("  \"saved_model_vs_frozen_max_abs\": ").append(savedVsFrozen).append(",\n");
        j.append("  \"sha256\": {\n");
        int i = 0;
        for (var e : sha.entrySet()) {
            j.append("    \"").append(e.getKey()).append("\": \"").append(e.getValue()).append('"')
                    .append(++i < sha.size() ? ",\n" : "\n");
        }
        j.append("  }\n}\n");
        Files.writeString(out.resolve("manifest.json"), j.toString(), StandardCharsets.UTF_8);
        return sha;
    }

    /** The value of a top-level string or number field of the fixture generator's manifest. */
    private static String field(String json, String name) {
        int k = json.indexOf("\"" + name + "\":");
        if (k < 0) {
            throw new IllegalStateException("no " + name + " in the generator's manifest.json");
        }
        String rest = json.substring(k + name.length() + 3).trim();
        return rest.startsWith("\"") ? rest.substring(1, rest.indexOf('"', 1))
                : rest.substring(0, rest.indexOf(',')).trim();
    }

    static String sha256(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
