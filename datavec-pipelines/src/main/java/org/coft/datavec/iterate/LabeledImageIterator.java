package org.coft.datavec.iterate;

import org.coft.datavec.source.EvaluationLabels;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Evaluation only: wraps an {@link ImageBatchIterator} and adds one-hot labels {@code [n, classes]} looked up by
 * example id in an {@link EvaluationLabels}, so the result plugs into DL4J's {@code Evaluation}. Building one
 * requires the {@code EvaluationLabels}, which training code is never given. Ids are kept as example metadata.
 */
public final class LabeledImageIterator implements DataSetIterator, AutoCloseable {

    private static final long serialVersionUID = 1L;

    private final transient ImageBatchIterator images;
    private final transient EvaluationLabels labels;
    private transient DataSetPreProcessor preProcessor;

    /**
     * @param images an iterator over the unlabelled view of the same source
     * @param labels that source's evaluation labels
     */
    public LabeledImageIterator(ImageBatchIterator images, EvaluationLabels labels) {
        this.images = Objects.requireNonNull(images, "images");
        this.labels = Objects.requireNonNull(labels, "labels");
    }

    private DataSet label(DataSet ds) {
        List<String> ids = new ArrayList<>();
        for (Serializable s : ds.getExampleMetaData()) {
            ids.add((String) s);
        }
        ds.setLabels(labels.oneHot(ids));
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public boolean hasNext() {
        return images.hasNext();
    }

    @Override
    public DataSet next() {
        return label(images.next());
    }

    @Override
    public DataSet next(int num) {
        return label(images.next(num));
    }

    @Override
    public int inputColumns() {
        return images.inputColumns();
    }

    @Override
    public int totalOutcomes() {
        return labels.classes().size();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        images.reset();
    }

    @Override
    public int batch() {
        return images.batch();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor value) {
        this.preProcessor = value;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return labels.classes().names();
    }

    @Override
    public void close() {
        images.close();
    }
}
