package org.coft.datavec.source;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluation-only ground truth: example id to class index. Obtained from {@link ImageSource#evaluationLabels()}
 * and never through {@link UnlabeledImages}, so that code given only the training view cannot read labels.
 * Immutable and thread-safe.
 */
public final class EvaluationLabels {

    private final ClassList classes;
    private final Map<String, Integer> labels;

    EvaluationLabels(ClassList classes, Map<String, Integer> labels) {
        this.classes = classes;
        this.labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        for (Map.Entry<String, Integer> e : this.labels.entrySet()) {
            if (e.getValue() < 0 || e.getValue() >= classes.size()) {
                throw new IllegalArgumentException("label of '" + e.getKey() + "': " + e.getValue()
                        + " is out of range [0, " + (classes.size() - 1) + "]");
            }
        }
    }

    /** @return the class list the indices refer to */
    public ClassList classes() {
        return classes;
    }

    /** @return number of labelled examples */
    public int size() {
        return labels.size();
    }

    /** @return whether the id has a label */
    public boolean contains(String id) {
        return labels.containsKey(id);
    }

    /**
     * @param id an example id
     * @return its class index
     * @throws IllegalArgumentException if the id has no label here
     */
    public int labelOf(String id) {
        Integer label = labels.get(id);
        if (label == null) {
            throw new IllegalArgumentException("id '" + id + "' has no label in this source (" + labels.size()
                    + " labelled examples)");
        }
        return label;
    }

    /**
     * @param ids example ids
     * @return their class indices, in the same order
     */
    public int[] labelsOf(List<String> ids) {
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = labelOf(ids.get(i));
        }
        return out;
    }

    /**
     * @param ids example ids
     * @return float32 one-hot labels {@code [ids.size(), classes().size()]}
     */
    public INDArray oneHot(List<String> ids) {
        int[] idx = labelsOf(ids);
        float[] data = new float[idx.length * classes.size()];
        for (int i = 0; i < idx.length; i++) {
            data[i * classes.size() + idx[i]] = 1f;
        }
        return Nd4j.create(data, new long[] {idx.length, classes.size()}, DataType.FLOAT);
    }

    /** @return id to class index, in source order (unmodifiable) */
    public Map<String, Integer> asMap() {
        return labels;
    }

    @Override
    public String toString() {
        return "EvaluationLabels[" + labels.size() + " examples, " + classes.size() + " classes]";
    }
}
