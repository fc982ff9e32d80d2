package org.coft.cli.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's embedded sample: its content, and that it yields exactly the installed task's first 400 images. */
class DemoSampleTest {
    @Test
    void theSampleHoldsFortyImagesOfEachClassInTestSplitOrder() throws IOException {
        List<DemoSample.Entry> all = DemoSample.read();
        assertEquals(400, all.size());
        int[] perClass = new int[10];
        int last = -1;
        for (DemoSample.Entry e : all) {
            perClass[e.label()]++;
            assertTrue(e.index() > last, "indices ascend: " + e.index());
            last = e.index();
        }
        for (int c = 0; c < 10; c++) {
            assertEquals(40, perClass[c], "class " + c);
        }
        List<TaskImage> ten = DemoSample.fashionShift(10);
        assertEquals(100, ten.size());
        assertThrows(IllegalArgumentException.class, () -> DemoSample.fashionShift(41));
    }

    @Test
    void aDamagedSampleIsNamed() {
        IOException e = assertThrows(IOException.class, () -> DemoSample.decode(new ByteArrayInputStream(
                new byte[] {31, -117, 8, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}), "sample.bin.gz"));
        assertTrue(e.getMessage().contains("sample.bin.gz"), e.getMessage());
    }

    @Test
    void theDemoFolderEqualsTheInstalledTaskByteForByte(@TempDir Path tmp) throws IOException {
        BenchmarkTask task = TaskRegistry.byName("fashion-shift");
        Assumptions.assumeTrue(task.defaultSourcePresent(),
                "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
        Path src = task.defaultSource().orElseThrow();
        // the committed sample is what the generator writes from the installed data set
        assertArrayEquals(DemoSample.encode(DemoSample.build(src)), DemoSample.class.getResourceAsStream(
                DemoSample.RESOURCE).readAllBytes());
        TaskWriter.write(task, task.build(src, 400), tmp.resolve("installed"), "x", src, 400);
        TaskWriter.write(task, DemoSample.fashionShift(40), tmp.resolve("embedded"), "x", src, 400);
        try (Stream<Path> s = Files.walk(tmp.resolve("installed"))) {
            List<Path> pngs = s.filter(p -> p.toString().endsWith(".png")).toList();
            assertEquals(400, pngs.size());
            for (Path p : pngs) {
                Path other = tmp.resolve("embedded").resolve(tmp.resolve("installed").relativize(p));
                assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(other), p.toString());
            }
        }
    }
}
