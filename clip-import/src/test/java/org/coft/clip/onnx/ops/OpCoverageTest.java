package org.coft.clip.onnx.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every operator registered in {@link OpRegistry#standard()} has a parity test: its name appears as a string
 * literal in one of the {@code Op*Test} sources next to this class. Registering an op without a test fails here.
 */
class OpCoverageTest {
    private static final Path TESTS = Path.of("src/test/java/org/coft/clip/onnx/ops");

    @Test
    void everyRegisteredOpHasAParityTest() throws IOException {
        String sources;
        try (Stream<Path> files = Files.list(TESTS)) {
            sources = files.filter(p -> p.getFileName().toString().matches("Op.*Test\\.java")
                            && !p.getFileName().toString().equals("OpCoverageTest.java"))
                    .map(OpCoverageTest::read).collect(Collectors.joining("\n"));
        }
        List<String> ops = OpRegistry.standard().supportedOps();
        List<String> untested = ops.stream().filter(op -> !sources.contains("\"" + op + "\"")).toList();
        assertTrue(ops.size() > 50, "registry lists " + ops.size() + " ops: " + ops);
        assertTrue(untested.isEmpty(), "registered ops without a parity test: " + untested);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new IllegalStateException(p.toString(), e);
        }
    }
}
