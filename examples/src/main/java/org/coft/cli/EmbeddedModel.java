package org.coft.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The model shipped inside the jar, extracted once per run to a temporary folder: the project's pretrained
 * reference micro-CLIP ({@code models/micro-clip}, see its README), so the demo and {@code coft zero-shot} without
 * {@code --model} give real (if limited) zero-shot accuracy.
 */
final class EmbeddedModel {
    static final String NAME = "micro-clip";
    private static final List<String> FILES = List.of("model.onnx", "text_model.onnx", "vision_model.onnx", "vocab.json",
            "merges.txt", "tokenizer_config.json", "preprocessor_config.json", "config.json");

    private EmbeddedModel() {
    }

    static Path extract() throws IOException {
        Path dir = Files.createTempDirectory("coft-model-");
        dir.toFile().deleteOnExit();
        for (String f : FILES) {
            String res = "/coft/models/" + NAME + "/" + f;
            try (InputStream in = EmbeddedModel.class.getResourceAsStream(res)) {
                if (in == null) {
                    throw new IOException("the jar lacks the embedded model file " + res + " (rebuild with mvn package)");
                }
                Path target = dir.resolve(f);
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                target.toFile().deleteOnExit();
            }
        }
        return dir;
    }
}
