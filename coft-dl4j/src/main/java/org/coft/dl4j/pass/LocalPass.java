package org.coft.dl4j.pass;

import java.io.IOException;
import java.util.List;
import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.iterate.ImageBatch;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.train.TrainingListener;

/** {@link ImagePass#LOCAL}: the batches of an {@link ImageBatchIterator}, through the function in this JVM. */
final class LocalPass implements ImagePass {

    @Override
    public Result run(UnlabeledImages images, PreprocessConfig preprocess, int batch, int threads, PassFunction fn,
                      List<? extends TrainingListener> listeners, String task) throws IOException {
        PassRows rows = new PassRows();
        ImagePass.progress(listeners, task, 0, images.size());
        try (ImageBatchIterator it = ImageBatchIterator.builder(images, preprocess).batchSize(batch).threads(threads)
                .build()) {
            while (it.hasNext()) {
                ImageBatch b = it.nextBatch();
                rows.add(b.ids(), fn.apply(b.images()));
                b.images().close();
                ImagePass.progress(listeners, task, rows.size(), images.size());
            }
        }
        if (rows.size() < images.size()) { // unreadable images were skipped: the pass is over all the same
            ImagePass.progress(listeners, task, images.size(), images.size());
        }
        return rows.result(images);
    }

    @Override
    public String describe() {
        return "local";
    }
}
