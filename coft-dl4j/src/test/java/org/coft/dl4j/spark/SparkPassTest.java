package org.coft.dl4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.coft.clip.model.ClipModel;
import org.coft.datavec.BadInputException;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.TestModels;
import org.coft.dl4j.pass.ImagePass;
import org.coft.dl4j.pass.PassFunction;
import org.coft.dl4j.pass.RemoteModel;
import org.coft.dl4j.phase1.ImageFeatureModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Spark pass on a local[2] Spark (retrying a failed task once) against the local pass: the same ids and the same
 * numbers bit for bit, with 1–3 partitions, with an unreadable image skipped or failing, and with a task that fails
 * once.
 */
class SparkPassTest {
    static SparkSession spark;
    static JavaSparkContext sc;
    static ClipModel model;
    static final AtomicInteger INJECTED = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        spark = SparkSession.builder().config(new SparkConf().setMaster("local[2,2]").setAppName("coft-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "localhost")
                .set("spark.driver.bindAddress", "127.0.0.1")).getOrCreate();
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        model = ClipModel.load(TestModels.microClip());
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** {@code n} small PNGs; those at the indices {@code corrupt} are cut short (they fail only when decoded). */
    static Path images(Path dir, int n, int... corrupt) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(5);
        for (int i = 0; i < n; i++) {
            Path f = dir.resolve(String.format("img%03d.png", i));
            BufferedImage im = new BufferedImage(28 + i % 5, 28, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < im.getHeight(); y++) {
                for (int x = 0; x < im.getWidth(); x++) {
                    im.setRGB(x, y, r.nextInt(1 << 24));
                }
            }
            ImageIO.write(im, "png", f.toFile());
            final int index = i;
            if (java.util.Arrays.stream(corrupt).anyMatch(c -> c == index)) {
                byte[] b = Files.readAllBytes(f);
                Files.write(f, java.util.Arrays.copyOf(b, b.length / 3));
            }
        }
        return dir;
    }

    static void assertBitEqual(INDArray expected, INDArray actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertEquals(expected.dataType(), actual.dataType());
        assertArrayEquals(expected.dup().data().asFloat(), actual.dup().data().asFloat(), 0f,
                "the Spark pass must give the local numbers bit for bit");
        float[] e = expected.dup().data().asFloat();
        float[] a = actual.dup().data().asFloat();
        for (int i = 0; i < e.length; i++) {
            assertEquals(Float.floatToRawIntBits(e[i]), Float.floatToRawIntBits(a[i]), "element " + i);
        }
    }

    @Test
    void imageFeaturesEqualTheLocalPassBitForBitWithAnyPartitioning(@TempDir Path tmp) throws Exception {
        ImageSourceSpec spec = new ImageSourceSpec(images(tmp.resolve("d"), 37).toString(), BadInputPolicy.FAIL,
                null, true);
        UnlabeledImages local = spec.open();
        ImagePass.Result expected = ImagePass.LOCAL.run(local, model.preprocess(), 8, 1,
                ImageFeatureModel.function(model), List.of(), "features");
        assertEquals(37, expected.ids().size());
        for (int partitions : new int[] {1, 2, 3}) {
            ImagePass.Result got = new SparkPass(sc, spec, partitions).run(spec.open(), model.preprocess(), 8, 1,
                    ImageFeatureModel.function(model), List.of(), "features");
            assertEquals(expected.ids(), got.ids());
            assertBitEqual(expected.output(0), got.output(0));
        }
    }

    @Test
    void skippedImagesGiveTheLocalBatchesTheLocalNumbersAndTheSameSkipReport(@TempDir Path tmp) throws Exception {
        ImageSourceSpec spec = new ImageSourceSpec(images(tmp.resolve("d"), 30, 3, 17).toString(), BadInputPolicy.SKIP,
                null, true);
        UnlabeledImages local = spec.open();
        ImagePass.Result expected = ImagePass.LOCAL.run(local, model.preprocess(), 8, 1,
                ImageFeatureModel.function(model), List.of(), "features");
        UnlabeledImages driver = spec.open();
        ImagePass.Result got = new SparkPass(sc, spec, 2).run(driver, model.preprocess(), 8, 1,
                ImageFeatureModel.function(model), List.of(), "features");
        assertEquals(28, got.ids().size());
        assertEquals(expected.ids(), got.ids());
        assertBitEqual(expected.output(0), got.output(0));
        assertEquals(local.skipReport().entries(), driver.skipReport().entries());
        assertEquals(2, driver.skipReport().count());
    }

    @Test
    void anUnreadableImageUnderFailFailsThePassNamingTheFile(@TempDir Path tmp) throws Exception {
        ImageSourceSpec spec = new ImageSourceSpec(images(tmp.resolve("d"), 12, 9).toString(), BadInputPolicy.FAIL,
                null, true);
        BadInputException e = assertThrows(BadInputException.class, () -> new SparkPass(sc, spec, 2).run(spec.open(),
                model.preprocess(), 4, 1, ImageFeatureModel.function(model), List.of(), "features"));
        assertTrue(e.getMessage().contains("img009.png"), e.getMessage());
    }

    /** Fails the first attempt of partition 1; Spark runs it again. */
    record FailOnce(RemoteModel inner) implements RemoteModel {
        @Override
        public Map<String, Path> files() throws IOException {
            return inner.files();
        }

        @Override
        public String key() {
            return "fail-once " + inner.key();
        }

        @Override
        public Loaded load(Path root) throws IOException {
            Loaded l = inner.load(root);
            return px -> {
                TaskContext t = TaskContext.get();
                if (t != null && t.partitionId() == 1 && t.attemptNumber() == 0) {
                    INJECTED.incrementAndGet();
                    throw new IllegalStateException("injected fault in partition 1, attempt 0");
                }
                return l.apply(px);
            };
        }
    }

    @Test
    void aPartitionThatFailsOnceIsRetriedAndTheResultIsTheSame(@TempDir Path tmp) throws Exception {
        ImageSourceSpec spec = new ImageSourceSpec(images(tmp.resolve("d"), 24).toString(), BadInputPolicy.FAIL, null,
                true);
        ImagePass.Result expected = ImagePass.LOCAL.run(spec.open(), model.preprocess(), 8, 1,
                ImageFeatureModel.function(model), List.of(), "features");
        PassFunction failing = PassFunction.of("failing features", px -> new INDArray[] {model.encodeImages(px)},
                new FailOnce(new ImageFeatureModel(model.directory().toAbsolutePath().toString(),
                        model.loadOptions())));
        int before = INJECTED.get();
        ImagePass.Result got = new SparkPass(sc, spec, 3).run(spec.open(), model.preprocess(), 8, 1, failing,
                List.of(), "features");
        assertEquals(before + 1, INJECTED.get(), "the fault was injected once");
        assertEquals(expected.ids(), got.ids());
        assertBitEqual(expected.output(0), got.output(0));
    }

    @Test
    void scoresBecomeADataFrameAndParquetThatReadsBack(@TempDir Path tmp) throws Exception {
        List<String> classes = List.of("a", "b", "c");
        INDArray s = org.nd4j.linalg.factory.Nd4j.create(new double[][] {{0.1, 0.7, 0.2}, {0.5, 0.3, 0.2}});
        var table = ScoreTable.of(spark, List.of("x.png", "y.png"), classes, s, null);
        ScoreTable.writeParquet(table, tmp.resolve("scores.parquet"));
        List<Row> back = spark.read().parquet(tmp.resolve("scores.parquet").toString()).orderBy("id").collectAsList();
        assertEquals(2, back.size());
        assertEquals("x.png", back.get(0).getString(0));
        assertEquals("b", back.get(0).getString(1));
        assertEquals(0.7, back.get(0).getDouble(2), 0);
        assertEquals("a", back.get(1).getString(1));
        assertEquals(List.of(0.5, 0.3, 0.2), back.get(1).getList(3));
        assertTrue(back.get(1).isNullAt(4));
    }
}
