package org.coft.dl4j.pass;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.iterate.ImageBatch;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.train.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link ImagePass#LOCAL}: the batches of an {@link ImageBatchIterator}, through the function in this JVM. */
final class LocalPass implements ImagePass {

    @Override
    public Result run(UnlabeledImages images, PreprocessConfig preprocess, int batch, int threads, PassFunction fn,
                      List<? extends TrainingListener> listeners, String task) throws IOException {
        List<List<INDArray>> parts = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        ImagePass.progress(listeners, task, 0, images.size());
        try (ImageBatchIterator it = ImageBatchIterator.builder(images, preprocess).batchSize(batch).threads(threads)
                .build()) {
            while (it.hasNext()) {
                ImageBatch b = it.nextBatch();
                INDArray[] out = fn.apply(b.images());
                for (int i = 0; i < out.length; i++) {
                    if (parts.size() <= i) {
                        parts.add(new ArrayList<>());
                    }
                    parts.get(i).add(out[i]);
                }
                ids.addAll(b.ids());
                b.images().close();
                ImagePass.progress(listeners, task, ids.size(), images.size());
            }
        }
        if (ids.size() < images.size()) { // unreadable images were skipped: the pass is over all the same
            ImagePass.progress(listeners, task, images.size(), images.size());
        }
        if (ids.isEmpty()) {
            throw new IOException("no readable images in " + images.description());
        }
        List<INDArray> outputs = new ArrayList<>();
        for (List<INDArray> p : parts) {
            outputs.add(ImagePass.concat(p));
        }
        return new Result(ids, outputs);
    }

    @Override
    public String describe() {
        return "local";
    }
}
