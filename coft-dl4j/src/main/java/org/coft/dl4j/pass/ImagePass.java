package org.coft.dl4j.pass;

import java.io.IOException;
import java.util.List;
import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.train.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs one batch function over every image of a source, in the source's order: the all-image stages of CoFT (frozen
 * image features, Phase I scores, classifier probabilities) and prediction.
 *
 * <p>Every implementation forms the batches of {@code org.coft.datavec.iterate.ImageBatchIterator}: the images in
 * order, an unreadable one skipped (policy SKIP, recorded in the source's skip report) or failing the pass (FAIL),
 * each batch filled from the next readable images. The numbers of a batch depend on its make-up (a matrix product
 * over 32 rows is not bit-equal to two over 16), so equal batches are what makes a distributed pass give the local
 * one's results bit for bit.
 */
public interface ImagePass {

    /** In this JVM, batch after batch. */
    ImagePass LOCAL = new LocalPass();

    /**
     * @param images     the images, in order
     * @param preprocess how pixels are prepared (the model's preprocessing)
     * @param batch      images per batch
     * @param threads    image-decoding threads (of this JVM, or of each worker task)
     * @param fn         what runs on each batch of preprocessed pixels [n, 3, H, W]
     * @param listeners  told the progress as {@code task}
     * @param task       the progress task name
     * @return the ids of the images read and, per output of {@code fn}, its rows concatenated in that order
     * @throws IOException when no image could be read
     */
    Result run(UnlabeledImages images, PreprocessConfig preprocess, int batch, int threads, PassFunction fn,
               List<? extends TrainingListener> listeners, String task) throws IOException;

    /** A one-line description for logs (e.g. "local", "spark local[2], 4 partitions"). */
    String describe();

    /**
     * What a pass computed.
     *
     * @param ids     the images read, in order (skipped ones left out)
     * @param outputs per output of the function, its rows for {@code ids} (null where the function gave none)
     */
    record Result(List<String> ids, List<INDArray> outputs) {
        public Result {
            ids = List.copyOf(ids);
            outputs = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(outputs));
        }

        /** Output {@code i} (null when the function gives none). */
        public INDArray output(int i) {
            return outputs.get(i);
        }
    }

    /** Tells the listeners {@code done} of {@code total} images of {@code task} are through. */
    static void progress(List<? extends TrainingListener> listeners, String task, long done, long total) {
        for (TrainingListener l : listeners) {
            l.onProgress(task, done, total);
        }
    }
}
