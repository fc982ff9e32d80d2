package org.coft.cli.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.coft.datavec.image.ImageDecodeException;
import org.coft.datavec.image.RgbImage;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.UnlabeledImages;

/**
 * {@code fashion-shift}: the Fashion-MNIST test split (10,000 images; Xiao, Rasul and Vollgraf 2017, MIT) read
 * through datavec-pipelines' IDX reader, each image rotated by its fixed {@link Rotation}. The reference micro-CLIP
 * was pretrained on the upright train split only, so rotation is a real distribution shift for it.
 */
final class FashionShiftTask implements BenchmarkTask {
    static final Path DEFAULT_SOURCE = Path.of("/usr/share/datasets/fashion-mnist");
    static final String IMAGES = "t10k-images-idx3-ubyte.gz";
    static final String LABELS = "t10k-labels-idx1-ubyte.gz";
    static final List<String> CLASSES = List.of("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
            "sneaker", "bag", "ankle boot");
    /** The shift. Changing it changes the task: keep it in step with tools/reference-clip/tasks.py. */
    static final Rotation SHIFT = new Rotation(20240401L, 20.0, 30.0);

    @Override
    public String name() {
        return "fashion-shift";
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    @Override
    public Optional<Path> defaultSource() {
        return Optional.of(DEFAULT_SOURCE);
    }

    @Override
    public boolean defaultSourcePresent() {
        return Files.isRegularFile(DEFAULT_SOURCE.resolve(IMAGES)) && Files.isRegularFile(DEFAULT_SOURCE.resolve(LABELS));
    }

    @Override
    public String sourceHelp() {
        return "the Fashion-MNIST folder holding " + IMAGES + " and " + LABELS
                + " (Debian: apt-get install dataset-fashion-mnist)";
    }

    @Override
    public String describe() {
        return "The Fashion-MNIST **test** split (" + IMAGES + ", 10,000 images of 28x28, white on black) under a "
                + "fixed rotation: image *i* (its index in the IDX file) is rotated about the image centre by an "
                + "angle of magnitude uniform in [" + SHIFT.minDegrees() + ", " + SHIFT.maxDegrees() + "] degrees "
                + "with a random sign, both drawn from SplitMix64 hashes of seed " + SHIFT.seed() + " and *i*. "
                + "Bilinear sampling at pixel centres, black outside the image, rounded half up. File names are "
                + "`<class>/<i, 5 digits>.png`.\n\n"
                + "Fashion-MNIST: Han Xiao, Kashif Rasul, Roland Vollgraf (2017), MIT licence.";
    }

    @Override
    public List<TaskImage> build(Path source, int limit) throws IOException {
        Path images = source.resolve(IMAGES);
        Path labels = source.resolve(LABELS);
        if (!Files.isRegularFile(images) || !Files.isRegularFile(labels)) {
            throw new IllegalArgumentException("fashion-shift: " + source + " lacks " + IMAGES + " or " + LABELS
                    + "; --source must be " + sourceHelp());
        }
        ImageSource src = ImageSources.idx(images, labels, SourceOptions.defaults().withClasses(ClassList.of(CLASSES)));
        UnlabeledImages view = src.images();
        int[] truth = src.evaluationLabels().orElseThrow().labelsOf(view.ids());
        int[] keep = BenchmarkTask.limitPerClass(truth, CLASSES.size(), limit);
        List<TaskImage> out = new ArrayList<>(keep.length);
        for (int i : keep) {
            long index = Long.parseLong(view.id(i).substring("idx:".length()));
            RgbImage rgb;
            try {
                rgb = view.load(i).image();
            } catch (ImageDecodeException e) {
                throw new IOException(view.location(i) + ": " + e.getMessage(), e);
            }
            byte[] gray = new byte[rgb.width() * rgb.height()];
            byte[] px = rgb.pixels();
            for (int p = 0; p < gray.length; p++) {
                gray[p] = px[3 * p];
            }
            byte[] shifted = Rotation.rotate(gray, rgb.width(), rgb.height(), SHIFT.degreesOf(index));
            out.add(new TaskImage(String.format("%05d.png", index), truth[i], rgb.width(), rgb.height(), shifted));
        }
        return out;
    }
}
