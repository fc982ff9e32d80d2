package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --spark-master local[2]} on {@code coft zero-shot}, {@code coft adapt} and {@code coft predict} (100
 * fashion-shift images): the output files are byte-identical to the plain runs'. The adapt config uses deep visual
 * prompts, so Phase I scoring runs through the image tower on the executors too; under {@code --bad-images skip} an
 * image that fails only when decoded is skipped the same way.
 */
class SparkCommandsTest {
    @TempDir
    static Path tmp;
    static Path data;
    static Path config;

    @BeforeAll
    static void data() throws Exception {
        AdaptCommandTest.assumeFashionMnist();
        data = tmp.resolve("data");
        String[] r = CliTest.run("task", "fashion-shift", "--out", data.toString(), "--limit", "100");
        assertEquals("0", r[0], r[2]);
        config = tmp.resolve("tiny-vpt.json");
        Files.writeString(config, "{\"phase1\": {\"visual\": \"VPT_DEEP\", \"promptTokens\": 2, \"epochs\": 1, "
                + "\"seedsPerClass\": 3, \"batchSize\": 8}, \"phase2\": {\"epochs\": 1, \"batchSize\": 25}}");
    }

    static void assertSameFile(Path expected, Path actual) throws Exception {
        assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(actual),
                actual + " differs from " + expected);
    }

    @Test
    void zeroShotWritesTheSameCsvAndParquetRowsForIt() throws Exception {
        String[] plain = CliTest.run("zero-shot", "--data", data.toString(), "--out", tmp.resolve("zs.csv").toString(),
                "--batch", "16");
        assertEquals("0", plain[0], plain[2]);
        String[] spark = CliTest.run("zero-shot", "--data", data.toString(), "--out",
                tmp.resolve("zs-spark.csv").toString(), "--batch", "16", "--spark-master", "local[2]",
                "--spark-partitions", "3", "--parquet", tmp.resolve("zs.parquet").toString());
        assertEquals("0", spark[0], spark[1] + spark[2]);
        assertSameFile(tmp.resolve("zs.csv"), tmp.resolve("zs-spark.csv"));
        assertEquals(plain[1].lines().filter(l -> l.startsWith("accuracy=")).toList(),
                spark[1].lines().filter(l -> l.startsWith("accuracy=")).toList());
        try (Stream<Path> s = Files.list(tmp.resolve("zs.parquet"))) {
            assertTrue(s.anyMatch(p -> p.toString().endsWith(".parquet")), "a Parquet part file");
        }
    }

    @Test
    void anImageThatFailsToDecodeIsSkippedTheSameWay() throws Exception {
        Path bad = RunIntegrityTest.copy(data, tmp.resolve("data-bad"));
        List<Path> pngs;
        try (Stream<Path> s = Files.walk(bad)) {
            pngs = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        byte[] b = Files.readAllBytes(pngs.get(40));
        Files.write(pngs.get(40), java.util.Arrays.copyOf(b, b.length / 3)); // a PNG header, then cut short
        String[] plain = CliTest.run("zero-shot", "--data", bad.toString(), "--out", tmp.resolve("bad.csv").toString(),
                "--batch", "16", "--bad-images", "skip");
        assertEquals("0", plain[0], plain[2]);
        String[] spark = CliTest.run("zero-shot", "--data", bad.toString(), "--out",
                tmp.resolve("bad-spark.csv").toString(), "--batch", "16", "--bad-images", "skip", "--spark-master",
                "local[2]");
        assertEquals("0", spark[0], spark[1] + spark[2]);
        assertSameFile(tmp.resolve("bad.csv"), tmp.resolve("bad-spark.csv"));
        assertEquals(100, Files.readAllLines(tmp.resolve("bad.csv")).size(), "99 images and the header");
        String skipped = pngs.get(40).getFileName().toString();
        assertTrue(plain[1].contains(skipped) && spark[1].contains(skipped), spark[1]);
        String[] fail = CliTest.run("zero-shot", "--data", bad.toString(), "--out", tmp.resolve("f.csv").toString(),
                "--spark-master", "local[2]");
        assertTrue(!fail[0].equals("0") && (fail[1] + fail[2]).contains(skipped), fail[1] + fail[2]);
    }

    @Test
    void parquetWithoutSparkIsRefusedByName() {
        String[] r = CliTest.run("zero-shot", "--data", data.toString(), "--out", tmp.resolve("x.csv").toString(),
                "--parquet", tmp.resolve("x.parquet").toString());
        assertTrue(!r[0].equals("0"), "refused: " + r[1] + r[2]);
        assertTrue((r[1] + r[2]).contains("--parquet needs --spark-master"), r[1] + r[2]);
    }

    @Test
    void adaptAndPredictWriteTheSameFiles() throws Exception {
        Path plainRun = tmp.resolve("run");
        Path sparkRun = tmp.resolve("run-spark");
        String[] a = CliTest.run("adapt", "--method", "coft", "--config", config.toString(), "--seed", "3", "--data",
                data.toString(), "--out", plainRun.toString());
        assertEquals("0", a[0], a[1] + a[2]);
        String[] b = CliTest.run("adapt", "--method", "coft", "--config", config.toString(), "--seed", "3", "--data",
                data.toString(), "--out", sparkRun.toString(), "--spark-master", "local[2]");
        assertEquals("0", b[0], b[1] + b[2]);
        TreeMap<String, Path> plainFiles = RunFiles.list(plainRun);
        TreeMap<String, Path> sparkFiles = RunFiles.list(sparkRun);
        assertEquals(plainFiles.keySet(), sparkFiles.keySet());
        int compared = 0;
        for (String f : plainFiles.keySet()) {
            if (!RunFiles.TIMED.contains(f)) {
                assertSameFile(plainFiles.get(f), sparkFiles.get(f));
                compared++;
            }
        }
        assertTrue(compared >= 8, "compared " + compared + " files: " + plainFiles.keySet());
        RunFiles.assertSameApartFromTimes(plainRun, sparkRun);

        String[] p = CliTest.run("predict", "--model", plainRun.toString(), "--data", data.toString(), "--out",
                tmp.resolve("pred.csv").toString(), "--probabilities");
        assertEquals("0", p[0], p[1] + p[2]);
        String[] q = CliTest.run("predict", "--model", plainRun.toString(), "--data", data.toString(), "--out",
                tmp.resolve("pred-spark.csv").toString(), "--probabilities", "--spark-master", "local[2]");
        assertEquals("0", q[0], q[1] + q[2]);
        assertSameFile(tmp.resolve("pred.csv"), tmp.resolve("pred-spark.csv"));
    }
}
