package org.coft.cli.task;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.coft.datavec.image.ImageDecodeException;
import org.coft.datavec.image.RgbImage;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.UnlabeledImages;

/** The unshifted images of an MNIST-layout IDX pair, read through datavec-pipelines' IDX reader. */
final class IdxOriginals {
    private IdxOriginals() {
    }

    /** An unshifted image: its index in the IDX file, label and grey bytes (side × side). */
    record Original(int index, int label, int side, byte[] gray) { }

    /**
     * The first {@code limit / classes} images of each class in file order ({@link BenchmarkTask#limitPerClass};
     * 0 = all).
     *
     * @param images  the images file (gzipped or not)
     * @param labels  the labels file (gzipped or not)
     * @param classes the class names, in label order
     * @param limit   the limit
     * @return the kept images, ascending by index
     * @throws IOException if a file cannot be read or an image is not square
     */
    static List<Original> read(Path images, Path labels, List<String> classes, int limit) throws IOException {
        ImageSource src = ImageSources.idx(images, labels, SourceOptions.defaults().withClasses(ClassList.of(classes)));
        UnlabeledImages view = src.images();
        int[] truth = src.evaluationLabels().orElseThrow().labelsOf(view.ids());
        int[] keep = BenchmarkTask.limitPerClass(truth, classes.size(), limit);
        List<Original> out = new ArrayList<>(keep.length);
        for (int i : keep) {
            int index = Integer.parseInt(view.id(i).substring("idx:".length()));
            RgbImage rgb;
            try {
                rgb = view.load(i).image();
            } catch (ImageDecodeException e) {
                throw new IOException(view.location(i) + ": " + e.getMessage(), e);
            }
            if (rgb.width() != rgb.height()) {
                throw new IOException(view.location(i) + ": " + rgb.width() + "x" + rgb.height()
                        + ", expected a square image");
            }
            byte[] gray = new byte[rgb.width() * rgb.height()];
            byte[] px = rgb.pixels();
            for (int p = 0; p < gray.length; p++) {
                gray[p] = px[3 * p];
            }
            out.add(new Original(index, truth[i], rgb.width(), gray));
        }
        return out;
    }
}
