package org.coft.clip;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Locates the committed fixtures ({@code fixtures/} at the repository root) and reads their .npy files. */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path root() {
        String p = System.getProperty("coft.fixtures.dir");
        Path dir = p != null ? Paths.get(p) : Paths.get("..", "fixtures");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("fixtures folder not found at " + dir.toAbsolutePath()
                    + " (set -Dcoft.fixtures.dir or run from a module folder of the repository)");
        }
        return dir;
    }

    public static Path path(String first, String... more) {
        return root().resolve(Paths.get(first, more));
    }

    public static INDArray npy(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("missing fixture " + file);
        }
        return Nd4j.createFromNpyFile(new File(file.toString()));
    }
}
