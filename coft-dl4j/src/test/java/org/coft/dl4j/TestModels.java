package org.coft.dl4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/** Paths of the committed models used by the tests (run from the module folder). */
public final class TestModels {
    public static final List<String> FASHION = List.of("t-shirt", "trouser", "pullover", "dress", "coat", "sandal",
            "shirt", "sneaker", "bag", "ankle boot");

    private TestModels() {
    }

    /** The embedded reference micro-CLIP ({@code models/micro-clip}). */
    public static Path microClip() {
        Path p = Paths.get("..", "models", "micro-clip");
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("models/micro-clip not found at " + p.toAbsolutePath());
        }
        return p;
    }
}
