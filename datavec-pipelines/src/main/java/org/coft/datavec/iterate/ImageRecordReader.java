package org.coft.datavec.iterate;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.augment.AugmentationConfig;
import org.coft.datavec.augment.Augmenter;
import org.coft.datavec.image.ClipImagePreprocessor;
import org.coft.datavec.image.ImageDecodeException;
import org.coft.datavec.image.ImageDecoder;
import org.coft.datavec.source.UnlabeledImages;
import org.datavec.api.conf.Configuration;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.reader.BaseRecordReader;
import org.datavec.api.split.InputSplit;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Text;
import org.datavec.api.writable.Writable;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A DataVec {@code RecordReader} over an {@link UnlabeledImages} source. Each record is
 * {@code [NDArrayWritable(image [1, 3, H, W]), Text(id)]}: the preprocessed (optionally augmented) image and
 * the example id; there is no label. {@link #nextRecord()} also carries an {@link ImageRecordMetaData}.
 * Bad inputs met while decoding follow the source's policy (see {@link ImageBatchIterator}). Built ready to
 * use: {@link #initialize(InputSplit)} is not supported, since the source was opened by
 * {@link org.coft.datavec.source.ImageSources}. {@link #reset()} starts the next epoch.
 */
public final class ImageRecordReader extends BaseRecordReader {

    private static final long serialVersionUID = 1L;

    private final transient UnlabeledImages images;
    private final transient PreprocessConfig config;
    private final transient BatchProducer producer;
    private transient Map<String, Integer> indexById;
    private transient ImageBatch lookahead;
    private transient Configuration conf;
    private int epoch;

    /**
     * @param images  the unlabelled view of a source
     * @param config  the model's preprocessing (fixed output size required)
     * @param threads decoding threads (1 = in the caller's thread)
     */
    public ImageRecordReader(UnlabeledImages images, PreprocessConfig config, int threads) {
        this(images, config, threads, null, 0L);
    }

    /**
     * @param images       the unlabelled view of a source
     * @param config       the model's preprocessing (fixed output size required)
     * @param threads      decoding threads (1 = in the caller's thread)
     * @param augmentation training augmentation, or null
     * @param seed         augmentation seed
     */
    public ImageRecordReader(UnlabeledImages images, PreprocessConfig config, int threads,
                             AugmentationConfig augmentation, long seed) {
        this.images = images;
        this.config = config;
        SamplePreparer preparer = new SamplePreparer(images, config,
                augmentation == null ? null : new Augmenter(augmentation, config), seed, 0);
        this.producer = new BatchProducer(preparer, threads, threads > 1 ? 4 * threads : 1);
        producer.start(sequentialOrder(), 0);
    }

    private int[] sequentialOrder() {
        int[] order = new int[images.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        return order;
    }

    /** @throws UnsupportedOperationException always: open sources with ImageSources and pass the view in */
    @Override
    public void initialize(InputSplit split) {
        throw new UnsupportedOperationException("ImageRecordReader is constructed from an UnlabeledImages view "
                + "(see ImageSources.folder/csv/idx); initialize(InputSplit) is not supported");
    }

    /** @throws UnsupportedOperationException always, as {@link #initialize(InputSplit)} */
    @Override
    public void initialize(Configuration configuration, InputSplit split) {
        initialize(split);
    }

    @Override
    public boolean hasNext() {
        if (lookahead == null) {
            lookahead = producer.next(1);
        }
        return lookahead != null;
    }

    @Override
    public List<Writable> next() {
        return nextRecord().getRecord();
    }

    @Override
    public Record nextRecord() {
        if (!hasNext()) {
            throw new NoSuchElementException("end of " + images.description());
        }
        ImageBatch b = lookahead;
        lookahead = null;
        String id = b.ids().get(0);
        int index = indexOf(id);
        Record r = new org.datavec.api.records.impl.Record(record(b, id),
                new ImageRecordMetaData(id, index, images.location(index)));
        invokeListeners(r);
        return r;
    }

    private static List<Writable> record(ImageBatch b, String id) {
        List<Writable> out = new ArrayList<>(2);
        out.add(new NDArrayWritable(b.images()));
        out.add(new Text(id));
        return out;
    }

    private int indexOf(String id) {
        if (indexById == null) {
            indexById = new HashMap<>();
            for (int i = 0; i < images.size(); i++) {
                indexById.put(images.id(i), i);
            }
        }
        return indexById.get(id);
    }

    /** @return null: this reader has no labels (use {@link LabeledRecordReader} for evaluation) */
    @Override
    public List<String> getLabels() {
        return null;
    }

    /** Starts the next epoch (new augmentation draws when augmenting). */
    @Override
    public void reset() {
        lookahead = null;
        epoch++;
        producer.start(sequentialOrder(), epoch);
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /**
     * Decodes one image from a stream with the deterministic preprocessing.
     *
     * @return {@code [NDArrayWritable(image [1, 3, H, W]), Text(uri)]}
     * @throws IOException (naming the URI) if the stream cannot be read or does not hold a decodable image within
     *                     the {@linkplain ImageDecoder#DEFAULT_MAX_PIXELS default pixel budget}
     */
    @Override
    public List<Writable> record(URI uri, DataInputStream stream) throws IOException {
        byte[] encoded;
        try {
            encoded = stream.readAllBytes();
        } catch (IOException e) {
            throw new IOException(uri + ": cannot read: " + e.getMessage(), e);
        }
        try {
            ClipImagePreprocessor pre = new ClipImagePreprocessor(config);
            var tensor = pre.toTensor(pre.accept(ImageDecoder.decode(encoded)));
            List<Writable> out = new ArrayList<>(2);
            out.add(new NDArrayWritable(tensor.reshape(1, tensor.size(0), tensor.size(1), tensor.size(2))));
            out.add(new Text(String.valueOf(uri)));
            return out;
        } catch (ImageDecodeException e) {
            throw new IOException(uri + ": " + e.reason(), e);
        }
    }

    /** Reloads a record with the deterministic preprocessing (no augmentation). */
    @Override
    public Record loadFromMetaData(RecordMetaData recordMetaData) throws IOException {
        if (!(recordMetaData instanceof ImageRecordMetaData meta)) {
            throw new IllegalArgumentException("recordMetaData: " + recordMetaData + " is not an ImageRecordMetaData");
        }
        try {
            ClipImagePreprocessor pre = new ClipImagePreprocessor(config);
            var tensor = pre.toTensor(pre.accept(images.load(meta.index())));
            List<Writable> out = new ArrayList<>(2);
            out.add(new NDArrayWritable(tensor.reshape(1, tensor.size(0), tensor.size(1), tensor.size(2))));
            out.add(new Text(meta.id()));
            return new org.datavec.api.records.impl.Record(out, meta);
        } catch (ImageDecodeException e) {
            throw new IOException(meta.location() + ": " + e.reason(), e);
        }
    }

    @Override
    public List<Record> loadFromMetaData(List<RecordMetaData> recordMetaDatas) throws IOException {
        List<Record> out = new ArrayList<>(recordMetaDatas.size());
        for (RecordMetaData m : recordMetaDatas) {
            out.add(loadFromMetaData(m));
        }
        return out;
    }

    @Override
    public void setConf(Configuration conf) {
        this.conf = conf;
    }

    @Override
    public Configuration getConf() {
        return conf;
    }

    /** Stops the decoding threads. */
    @Override
    public void close() {
        producer.close();
    }
}
