package org.coft.datavec.iterate;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.SkipReport;
import org.coft.datavec.augment.AugmentationConfig;
import org.coft.datavec.augment.Augmenter;
import org.coft.datavec.source.UnlabeledImages;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A DL4J {@link DataSetIterator} over an {@link UnlabeledImages} source: each {@link DataSet} holds features
 * {@code [n, 3, H, W]} (preprocessed as the model's {@link PreprocessConfig} says, optionally augmented), no
 * labels, and the example ids as {@link DataSet#getExampleMetaData() example metadata} (Strings).
 * {@link #nextBatch()} returns the same as an {@link ImageBatch}.
 *
 * <p>Decoding and preprocessing run on {@code threads} daemon threads, up to {@code prefetchBatches} batches
 * ahead; the order of examples (source order, or a seeded shuffle per epoch) never depends on threading.
 * {@link #reset()} starts the next epoch (new shuffle, new augmentation draws). Each example's augmentation
 * depends only on (seed, epoch, view, id). Not thread-safe (one consumer). {@link #close()} stops the threads.
 *
 * <pre>{@code
 * ImageSource source = ImageSources.folder(dir, SourceOptions.defaults());
 * try (ImageBatchIterator it = ImageBatchIterator.builder(source.images(), PreprocessConfig.clipDefault(224))
 *         .batchSize(64).build()) {
 *     while (it.hasNext()) {
 *         ImageBatch batch = it.nextBatch();   // batch.images() [n,3,224,224], batch.ids()
 *     }
 * }
 * }</pre>
 */
public final class ImageBatchIterator implements DataSetIterator, AutoCloseable {

    private static final long serialVersionUID = 1L;

    private final transient UnlabeledImages images;
    private final transient SamplePreparer preparer;
    private final transient BatchProducer producer;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final List<String> classNames;
    private int epoch;
    private transient ImageBatch lookahead;
    private transient DataSetPreProcessor preProcessor;

    private ImageBatchIterator(Builder b) {
        this.images = b.images;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.classNames = b.classNames;
        Augmenter augmenter = b.augmentation == null ? null : new Augmenter(b.augmentation, b.config);
        this.preparer = new SamplePreparer(images, b.config, augmenter, b.seed, b.view);
        this.producer = new BatchProducer(preparer, b.threads, b.threads > 1 ? b.prefetchBatches * b.batchSize : 1);
        this.epoch = b.startEpoch;
        producer.start(order(epoch), epoch);
    }

    /**
     * @param images the unlabelled training view of a source
     * @param config the model's preprocessing (must have a fixed output size: a center crop or an EXACT resize)
     * @return a builder with batch size 32, one thread per core, 2 batches prefetched, no shuffle, no augmentation
     */
    public static Builder builder(UnlabeledImages images, PreprocessConfig config) {
        return new Builder(images, config);
    }

    /**
     * @return the next batch of preprocessed images and their ids
     * @throws NoSuchElementException                  at the end of the epoch
     * @throws org.coft.datavec.BadInputException if an image cannot be decoded and the policy is FAIL
     */
    public ImageBatch nextBatch() {
        return nextBatch(batchSize);
    }

    private ImageBatch nextBatch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("batch size: " + n + " must be >= 1");
        }
        ImageBatch batch;
        if (lookahead != null && n == batchSize) {
            batch = lookahead;
            lookahead = null;
        } else {
            if (lookahead != null) {
                throw new IllegalStateException("next(" + n + ") after hasNext() prepared a batch of " + batchSize
                        + "; use next() or call next(int) without hasNext()");
            }
            batch = producer.next(n);
        }
        if (batch == null) {
            throw new NoSuchElementException("end of epoch " + epoch + " over " + images.description());
        }
        return batch;
    }

    /**
     * Prepares the next batch if needed (so it may block on decoding, and under FAIL may throw the
     * {@link org.coft.datavec.BadInputException} for a file that cannot be decoded).
     *
     * @return whether another batch remains in this epoch
     */
    @Override
    public boolean hasNext() {
        if (lookahead == null) {
            lookahead = producer.next(batchSize);
        }
        return lookahead != null;
    }

    @Override
    public DataSet next() {
        return toDataSet(nextBatch(batchSize));
    }

    @Override
    public DataSet next(int num) {
        return toDataSet(nextBatch(num));
    }

    private DataSet toDataSet(ImageBatch batch) {
        DataSet ds = new DataSet(batch.images(), null);
        ds.setExampleMetaData(batch.ids());
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    /** Starts the next epoch: a new shuffle (if enabled) and new augmentation draws. */
    @Override
    public void reset() {
        lookahead = null;
        epoch++;
        producer.start(order(epoch), epoch);
    }

    private int[] order(int e) {
        int n = images.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom rng = SampleSeeds.forShuffle(seed, e);
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /** @return the current epoch, 0 until the first {@link #reset()} */
    public int epoch() {
        return epoch;
    }

    /** @return the source's report of skipped inputs (open time and decode time) */
    public SkipReport skipReport() {
        return images.skipReport();
    }

    /** @return the number of examples in the source (some may be skipped while decoding under SKIP) */
    public int numExamples() {
        return images.size();
    }

    /** @return 3 * H * W */
    @Override
    public int inputColumns() {
        return preparer.sampleLength();
    }

    /** @return the number of task classes when class names were given to the builder, else 0 (no labels here) */
    @Override
    public int totalOutcomes() {
        return classNames == null ? 0 : classNames.size();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /** @return false: this iterator already prefetches on its own threads */
    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    /** @return the task's class names when given to the builder (the task definition, not per-example labels) */
    @Override
    public List<String> getLabels() {
        return classNames;
    }

    /** Stops the decoding threads. */
    @Override
    public void close() {
        producer.close();
    }

    /** Builder for {@link ImageBatchIterator}; every setter validates its argument. */
    public static final class Builder {
        private final UnlabeledImages images;
        private final PreprocessConfig config;
        private int batchSize = 32;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int prefetchBatches = 2;
        private boolean shuffle;
        private long seed;
        private int view;
        private AugmentationConfig augmentation;
        private List<String> classNames;
        private int startEpoch;

        private Builder(UnlabeledImages images, PreprocessConfig config) {
            this.images = Objects.requireNonNull(images, "images");
            this.config = Objects.requireNonNull(config, "config");
            if (!config.hasFixedOutputSize()) {
                throw new IllegalArgumentException("config: " + config + " has no fixed output size (needs a center "
                        + "crop or an EXACT resize), so images cannot be batched");
            }
        }

        /** @param value examples per batch, 1..65536 (the last batch of an epoch may be smaller) */
        public Builder batchSize(int value) {
            this.batchSize = check("batchSize", value, 1, 65536);
            return this;
        }

        /** @param value decoding threads, 1..256; 1 decodes in the consumer's thread without prefetch */
        public Builder threads(int value) {
            this.threads = check("threads", value, 1, 256);
            return this;
        }

        /** @param value batches prepared ahead of the consumer when threads &gt; 1, 1..64 */
        public Builder prefetchBatches(int value) {
            this.prefetchBatches = check("prefetchBatches", value, 1, 64);
            return this;
        }

        /** @param value whether to visit examples in a seeded random order, new each epoch */
        public Builder shuffle(boolean value) {
            this.shuffle = value;
            return this;
        }

        /** @param value seed for shuffling and augmentation */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /**
         * @param value view number mixed into each example's augmentation seed: two iterators with the same
         *              seed and different views give two independent augmentations of the same examples in the
         *              same order (CoFT+'s contrastive views); 0..1023
         */
        public Builder view(int value) {
            this.view = check("view", value, 0, 1023);
            return this;
        }

        /** @param value training augmentation, or null for the deterministic preprocessing */
        public Builder augmentation(AugmentationConfig value) {
            this.augmentation = value;
            return this;
        }

        /**
         * @param value the epoch to start at (0..2^20): its shuffle and augmentation draws are those the iterator
         *              would reach after that many {@code reset()} calls, so a resumed training run sees the same data
         */
        public Builder startEpoch(int value) {
            this.startEpoch = check("startEpoch", value, 0, 1 << 20);
            return this;
        }

        /** @param value the task's class names, reported by {@code getLabels()}; null for none */
        public Builder classNames(List<String> value) {
            this.classNames = value == null ? null : List.copyOf(value);
            return this;
        }

        /** @return the iterator, positioned at the start of epoch 0 or {@link #startEpoch} (its threads start decoding at once) */
        public ImageBatchIterator build() {
            return new ImageBatchIterator(this);
        }

        private static int check(String field, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(field + ": " + value + " is out of range [" + min + ", " + max
                        + "]");
            }
            return value;
        }
    }
}
