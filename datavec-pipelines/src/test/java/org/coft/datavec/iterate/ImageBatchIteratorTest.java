package org.coft.datavec.iterate;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.TestImages;
import org.coft.datavec.augment.AugmentationConfig;
import org.coft.datavec.image.ClipImagePreprocessor;
import org.coft.datavec.image.ImageDecoder;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.datavec.api.records.Record;
import org.datavec.api.writable.IntWritable;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Text;
import org.datavec.api.writable.Writable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageBatchIteratorTest {

    private static final PreprocessConfig CONFIG = PreprocessConfig.clipDefault(24);

    @TempDir
    Path dir;
    private ImageSource source;

    @BeforeEach
    void images() throws Exception {
        for (int i = 0; i < 7; i++) {
            String cls = i % 2 == 0 ? "even" : "odd";
            if (i % 3 == 0) {
                TestImages.jpeg(dir.resolve(cls + "/img" + i + ".jpg"), 30 + 7 * i, 20 + 3 * i, i);
            } else {
                TestImages.png(dir.resolve(cls + "/img" + i + ".png"), 40 - 2 * i, 25 + 5 * i, i);
            }
        }
        source = ImageSources.folder(dir, SourceOptions.defaults());
    }

    private List<ImageBatch> epoch(ImageBatchIterator it) {
        List<ImageBatch> out = new ArrayList<>();
        while (it.hasNext()) {
            out.add(it.nextBatch());
        }
        return out;
    }

    private static float[] flat(List<ImageBatch> batches) {
        List<Float> all = new ArrayList<>();
        for (ImageBatch b : batches) {
            for (float f : b.images().reshape(-1).toFloatVector()) {
                all.add(f);
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }

    private static List<String> ids(List<ImageBatch> batches) {
        List<String> ids = new ArrayList<>();
        batches.forEach(b -> ids.addAll(b.ids()));
        return ids;
    }

    @Test
    void batchesHoldPreprocessedImagesAndIdsInSourceOrder() throws Exception {
        try (ImageBatchIterator it = ImageBatchIterator.builder(source.images(), CONFIG).batchSize(3).threads(2)
                .build()) {
            List<ImageBatch> batches = epoch(it);
            assertEquals(List.of(3, 3, 1), batches.stream().map(ImageBatch::size).toList());
            assertArrayEquals(new long[] {3, 3, 24, 24}, batches.get(0).images().shape());
            assertEquals(source.images().ids(), ids(batches));
            ClipImagePreprocessor pre = new ClipImagePreprocessor(CONFIG);
            INDArray expected = pre.toTensor(ImageDecoder.decode(dir.resolve(source.images().id(4))).image());
            assertEquals(expected, batches.get(1).images().get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)));
            assertThrows(NoSuchElementException.class, it::nextBatch);
        }
    }

    @Test
    void dataSetsCarryIdsAndNoLabels() {
        try (ImageBatchIterator it = ImageBatchIterator.builder(source.images(), CONFIG).batchSize(4).threads(1)
                .classNames(List.of("even", "odd")).build()) {
            DataSet ds = it.next();
            assertNull(ds.getLabels());
            assertEquals(source.images().ids().subList(0, 4), ds.getExampleMetaData(String.class));
            assertEquals(3 * 24 * 24, it.inputColumns());
            assertEquals(List.of("even", "odd"), it.getLabels());
            assertEquals(4, it.batch());
            assertFalse(it.asyncSupported());
        }
    }

    @Test
    void parallelPrefetchGivesTheSameBytesAsSingleThread() {
        for (AugmentationConfig aug : new AugmentationConfig[] {null,
                AugmentationConfig.standard().withColorJitter(0.4, 0.4, 0.4, 0.1)}) {
            float[] single;
            float[] parallel;
            try (ImageBatchIterator it = ImageBatchIterator.builder(source.images(), CONFIG).batchSize(2).threads(1)
                    .augmentation(aug).seed(7).build()) {
                single = flat(epoch(it));
            }
            try (ImageBatchIterator it = ImageBatchIterator.builder(source.images(), CONFIG).batchSize(3).threads(4)
                    .prefetchBatches(3).augmentation(aug).seed(7).build()) {
                parallel = flat(epoch(it));
            }
            assertArrayEquals(single, parallel, "augmentation " + aug);
        }
    }

    @Test
    void seededShuffleAndAugmentationChangePerEpochAndReproduce() {
        AugmentationConfig aug = AugmentationConfig.standard();
        List<List<String>> orders = new ArrayList<>();
        List<float[]> pixels = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            try (ImageBatchIterator it = ImageBatchIterator.builder(source.images(), CONFIG).batchSize(3).threads(2)
                    .shuffle(true).seed(42).augmentation(aug).build()) {
                for (int e = 0; e < 2; e++) {
                    List<ImageBatch> batches = epoch(it);
                    orders.add(ids(batches));
                    pixels.add(flat(batches));
                    it.reset();
                }
                assertEquals(2, it.epoch());
            }
        }
        assertEquals(orders.get(0), orders.get(2), "same seed, same epoch 0 order");
        assertEquals(orders.get(1), orders.get(3));
        assertArrayEquals(pixels.get(0), pixels.get(2), "same seed, same augmentations");
        assertNotEquals(orders.get(0), orders.get(1), "a new order each epoch");
        assertEquals(new HashSet<>(source.images().ids()), new HashSet<>(orders.get(1)), "each epoch covers all");
        assertFalse(java.util.Arrays.equals(pixels.get(0), pixels.get(1)));
    }

    @Test
    void startEpochGivesWhatResetsWouldHaveReached() {
        AugmentationConfig aug = AugmentationConfig.standard();
        List<ImageBatch> viaResets;
        try (ImageBatchIterator it = ImageBatchIterator.builder(source.images(), CONFIG).batchSize(4).threads(1)
                .shuffle(true).seed(9).augmentation(aug).build()) {
            epoch(it);
            it.reset();
            epoch(it);
            it.reset();
            viaResets = epoch(it);
        }
        try (ImageBatchIterator it = ImageBatchIterator.builder(source.images(), CONFIG).batchSize(4).threads(2)
                .shuffle(true).seed(9).augmentation(aug).startEpoch(2).build()) {
            assertEquals(2, it.epoch());
            List<ImageBatch> direct = epoch(it);
            assertEquals(ids(viaResets), ids(direct));
            assertArrayEquals(flat(viaResets), flat(direct));
        }
    }

    @Test
    void viewsGiveDifferentAugmentationsInTheSameOrder() {
        AugmentationConfig aug = AugmentationConfig.standard();
        List<List<ImageBatch>> views = new ArrayList<>();
        for (int v = 0; v < 2; v++) {
            try (ImageBatchIterator it = ImageBatchIterator.builder(source.images(), CONFIG).batchSize(7).threads(2)
                    .shuffle(true).seed(3).augmentation(aug).view(v).build()) {
                views.add(epoch(it));
            }
        }
        assertEquals(ids(views.get(0)), ids(views.get(1)));
        assertFalse(java.util.Arrays.equals(flat(views.get(0)), flat(views.get(1))));
    }

    @Test
    void labelledIteratorAddsOneHotLabelsFromEvaluationLabels() {
        try (LabeledImageIterator it = new LabeledImageIterator(
                ImageBatchIterator.builder(source.images(), CONFIG).batchSize(7).build(),
                source.evaluationLabels().orElseThrow())) {
            DataSet ds = it.next();
            assertArrayEquals(new long[] {7, 2}, ds.getLabels().shape());
            List<String> ids = ds.getExampleMetaData(String.class);
            for (int i = 0; i < ids.size(); i++) {
                int expected = ids.get(i).startsWith("even/") ? 0 : 1;
                assertEquals(1.0, ds.getLabels().getDouble(i, expected), ids.get(i));
            }
            assertEquals(List.of("even", "odd"), it.getLabels());
        }
    }

    @Test
    void recordReadersGiveImageAndIdAndOnlyTheLabelledOneGivesLabels() throws Exception {
        try (ImageRecordReader reader = new ImageRecordReader(source.images(), CONFIG, 2)) {
            assertNull(reader.getLabels());
            List<String> ids = new ArrayList<>();
            Record first = null;
            while (reader.hasNext()) {
                Record r = reader.nextRecord();
                first = first == null ? r : first;
                List<Writable> w = r.getRecord();
                assertEquals(2, w.size());
                assertArrayEquals(new long[] {1, 3, 24, 24}, ((NDArrayWritable) w.get(0)).get().shape());
                ids.add(((Text) w.get(1)).toString());
            }
            assertEquals(source.images().ids(), ids);
            Record again = reader.loadFromMetaData(first.getMetaData());
            assertEquals(((NDArrayWritable) first.getRecord().get(0)).get(),
                    ((NDArrayWritable) again.getRecord().get(0)).get());
            reader.reset();
            assertTrue(reader.hasNext());
            assertThrows(UnsupportedOperationException.class, () -> reader.initialize(null));
        }
        try (LabeledRecordReader labelled = new LabeledRecordReader(new ImageRecordReader(source.images(), CONFIG, 1),
                source.evaluationLabels().orElseThrow())) {
            List<Writable> w = labelled.next();
            assertEquals(3, w.size());
            assertEquals(0, ((IntWritable) w.get(2)).get(), "first id is even/...");
            assertEquals(List.of("even", "odd"), labelled.getLabels());
        }
    }

    @Test
    void builderValidates() {
        PreprocessConfig noCrop = new PreprocessConfig(org.coft.clip.preprocess.ResizeMode.SHORTEST_EDGE, 24, 0, 0,
                false, 0, 0, true, PreprocessConfig.OPENAI_MEAN, PreprocessConfig.OPENAI_STD,
                org.coft.clip.preprocess.Interpolation.BICUBIC, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageBatchIterator.builder(source.images(), noCrop));
        assertTrue(e.getMessage().contains("no fixed output size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageBatchIterator.builder(source.images(), CONFIG).batchSize(0));
        assertTrue(e.getMessage().startsWith("batchSize: 0 is out of range"), e.getMessage());
    }
}
