package org.coft.dl4j.pass;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.coft.datavec.source.UnlabeledImages;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The rows of a pass as its batches come in, in order: the ids read and each output's parts. */
public final class PassRows {
    private final List<String> ids = new ArrayList<>();
    private final List<List<INDArray>> parts = new ArrayList<>();

    /** Appends a batch: its ids and the function's outputs for them (an output may be null). */
    public void add(List<String> batchIds, INDArray[] outputs) {
        for (int i = 0; i < outputs.length; i++) {
            if (parts.size() <= i) {
                parts.add(new ArrayList<>());
            }
            parts.get(i).add(outputs[i]);
        }
        ids.addAll(batchIds);
    }

    /** How many rows so far. */
    public int size() {
        return ids.size();
    }

    /**
     * The pass's result: every output concatenated along rows.
     *
     * @throws IOException when no image of {@code images} could be read
     */
    public ImagePass.Result result(UnlabeledImages images) throws IOException {
        if (ids.isEmpty()) {
            throw new IOException("no readable images in " + images.description());
        }
        List<INDArray> outputs = new ArrayList<>();
        for (List<INDArray> p : parts) {
            outputs.add(concat(p));
        }
        return new ImagePass.Result(ids, outputs);
    }

    /** Concatenates one output's per-batch parts along rows (null when every part is null). */
    private static INDArray concat(List<INDArray> parts) {
        if (parts.isEmpty() || parts.get(0) == null) {
            return null;
        }
        return parts.size() == 1 ? parts.get(0) : org.nd4j.linalg.factory.Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }
}
