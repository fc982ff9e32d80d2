package org.coft.datavec.source;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.BadInputException;
import org.coft.datavec.BadInputKind;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.TestImages;
import org.coft.datavec.image.DecodedImage;
import org.coft.datavec.iterate.ImageBatch;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.iterate.LabeledImageIterator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxSourceTest {

    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    @TempDir
    Path dir;

    private static byte[] images(int n, int rows, int cols) {
        byte[] data = new byte[n * rows * cols];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        return data;
    }

    @Test
    void readsGzippedAndPlainFiles() throws Exception {
        Path img = TestImages.idx(dir.resolve("img.idx"), new int[] {3, 2, 4}, images(3, 2, 4), true);
        Path lab = TestImages.idx(dir.resolve("lab.idx"), new int[] {3}, new byte[] {2, 0, 2}, false);
        ImageSource src = ImageSources.idx(img, lab, SourceOptions.defaults());
        assertEquals(List.of("idx:0", "idx:1", "idx:2"), src.images().ids());
        DecodedImage d = src.images().load(1);
        assertEquals(4, d.image().width());
        assertEquals(2, d.image().height());
        assertEquals((8 * 7 + 5 * 7) & 0xFF, d.image().sample(1, 1, 2), "row-major, grey replicated");
        EvaluationLabels labels = src.evaluationLabels().orElseThrow();
        assertEquals(List.of("0", "1", "2"), labels.classes().names(), "derived names 0..max");
        assertEquals(2, labels.labelOf("idx:2"));
        assertTrue(ImageSources.idx(img, null, SourceOptions.defaults()).evaluationLabels().isEmpty());
    }

    @Test
    void structuralErrorsFailWhateverThePolicy() throws Exception {
        SourceOptions skip = SourceOptions.defaults().withBadInput(BadInputPolicy.SKIP);
        Path img = TestImages.idx(dir.resolve("img.idx"), new int[] {3, 2, 4}, images(3, 2, 4), false);
        Path lab = TestImages.idx(dir.resolve("lab.idx"), new int[] {2}, new byte[] {1, 1}, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageSources.idx(img, lab, skip));
        assertTrue(e.getMessage().contains("lab.idx") && e.getMessage().contains("[3]"), e.getMessage());

        Path truncated = TestImages.idx(dir.resolve("short.idx"), new int[] {3, 2, 4}, images(2, 2, 4), true);
        e = assertThrows(IllegalArgumentException.class, () -> ImageSources.idx(truncated, null, skip));
        assertTrue(e.getMessage().contains("short.idx") && e.getMessage().contains("truncated"), e.getMessage());

        Path notIdx = Files.writeString(dir.resolve("text.idx"), "hello world");
        e = assertThrows(IllegalArgumentException.class, () -> ImageSources.idx(notIdx, null, skip));
        assertTrue(e.getMessage().contains("not an IDX file"), e.getMessage());

        Path rank2 = TestImages.idx(dir.resolve("r2.idx"), new int[] {3, 8}, images(3, 2, 4), false);
        e = assertThrows(IllegalArgumentException.class, () -> ImageSources.idx(rank2, null, skip));
        assertTrue(e.getMessage().contains("[count, rows, cols]"), e.getMessage());
    }

    @Test
    void labelOutsideClassListFollowsPolicy() throws Exception {
        Path img = TestImages.idx(dir.resolve("img.idx"), new int[] {3, 2, 2}, images(3, 2, 2), false);
        Path lab = TestImages.idx(dir.resolve("lab.idx"), new int[] {3}, new byte[] {0, 5, 1}, false);
        SourceOptions opts = SourceOptions.defaults().withClasses(ClassList.of(List.of("a", "b")));
        BadInputException e = assertThrows(BadInputException.class, () -> ImageSources.idx(img, lab, opts));
        assertTrue(e.getMessage().contains("lab.idx[1]") && e.getMessage().contains("label 5"), e.getMessage());
        assertEquals(BadInputKind.UNKNOWN_LABEL, e.problems().get(0).kind());

        ImageSource src = ImageSources.idx(img, lab, opts.withBadInput(BadInputPolicy.SKIP));
        assertEquals(List.of("idx:0", "idx:2"), src.images().ids());
        assertEquals(1, src.skipReport().count());
        assertEquals(1, src.evaluationLabels().orElseThrow().labelOf("idx:2"));
    }

    @Test
    void fashionMnistEndToEnd() throws Exception {
        Path images = FASHION.resolve("t10k-images-idx3-ubyte.gz");
        Path labels = FASHION.resolve("t10k-labels-idx1-ubyte.gz");
        Assumptions.assumeTrue(Files.isRegularFile(images) && Files.isRegularFile(labels),
                "Fashion-MNIST not installed at " + FASHION + " (apt-get install dataset-fashion-mnist); skipping");
        ImageSource src = ImageSources.idx(images, labels,
                SourceOptions.defaults().withClasses(ClassList.of(FASHION_CLASSES)));
        assertEquals(10_000, src.images().size());
        EvaluationLabels eval = src.evaluationLabels().orElseThrow();
        int[] counts = new int[10];
        for (int l : eval.asMap().values()) {
            counts[l]++;
        }
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, counts);
        assertEquals(9, eval.labelOf("idx:0"), "first t10k item is an ankle boot");

        PreprocessConfig config = PreprocessConfig.clipDefault(28);
        try (ImageBatchIterator it = ImageBatchIterator.builder(src.images(), config).batchSize(256).threads(2)
                .build();
             LabeledImageIterator eval2 = new LabeledImageIterator(
                     ImageBatchIterator.builder(src.images(), config).batchSize(500).threads(1).build(), eval)) {
            int seen = 0;
            while (it.hasNext()) {
                ImageBatch b = it.nextBatch();
                assertArrayEquals(new long[] {b.size(), 3, 28, 28}, b.images().shape());
                assertEquals("idx:" + seen, b.ids().get(0));
                seen += b.size();
            }
            assertEquals(10_000, seen);
            DataSet first = eval2.next();
            assertArrayEquals(new long[] {500, 10}, first.getLabels().shape());
            assertEquals(1.0, first.getLabels().getDouble(0, 9));
            assertEquals("idx:0", first.getExampleMetaData(String.class).get(0));
        }
    }
}
