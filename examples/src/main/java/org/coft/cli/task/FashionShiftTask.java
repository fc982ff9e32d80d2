package org.coft.cli.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Fashion-MNIST tasks (Xiao, Rasul and Vollgraf 2017, MIT), read through datavec-pipelines' IDX reader:
 * <ul>
 *   <li>{@code fashion-shift} (reported): the test split (10,000 images), each image rotated by its fixed
 *       {@link Rotation}. The reference micro-CLIP was pretrained on the upright train split only, so rotation is a
 *       real distribution shift for it.</li>
 *   <li>{@code fashion-zoom} (the <b>development</b> task: settings are chosen on it, it is never reported as a
 *       result): the first 1,000 images of each class of the <b>train</b> split, each shrunk and moved by its fixed
 *       {@link ZoomOut}. No image of it is in a reported task.</li>
 * </ul>
 */
final class FashionShiftTask implements BenchmarkTask {
    static final Path DEFAULT_SOURCE = Path.of("/usr/share/datasets/fashion-mnist");
    static final String IMAGES = "t10k-images-idx3-ubyte.gz";
    static final String LABELS = "t10k-labels-idx1-ubyte.gz";
    static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    static final List<String> CLASSES = List.of("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
            "sneaker", "bag", "ankle boot");
    /** The shift. Changing it changes the task: keep it in step with tools/reference-clip/tasks.py. */
    static final Rotation SHIFT = new Rotation(20240401L, 20.0, 30.0);
    /** The development task's shift. */
    static final ZoomOut ZOOM = new ZoomOut(20261203L, 0.65, 0.85);
    /** Images per class of the development task (the first ones of each class in the train split). */
    static final int DEV_PER_CLASS = 1000;

    private final boolean dev;

    private FashionShiftTask(boolean dev) {
        this.dev = dev;
    }

    /** @return the reported task {@code fashion-shift} */
    static FashionShiftTask reported() {
        return new FashionShiftTask(false);
    }

    /** @return the development task {@code fashion-zoom} */
    static FashionShiftTask development() {
        return new FashionShiftTask(true);
    }

    @Override
    public String name() {
        return dev ? "fashion-zoom" : "fashion-shift";
    }

    private String imagesFile() {
        return dev ? TRAIN_IMAGES : IMAGES;
    }

    private String labelsFile() {
        return dev ? TRAIN_LABELS : LABELS;
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
        return Files.isRegularFile(DEFAULT_SOURCE.resolve(imagesFile()))
                && Files.isRegularFile(DEFAULT_SOURCE.resolve(labelsFile()));
    }

    @Override
    public String sourceHelp() {
        return "the Fashion-MNIST folder holding " + imagesFile() + " and " + labelsFile()
                + " (Debian: apt-get install dataset-fashion-mnist)";
    }

    @Override
    public String describe() {
        if (dev) {
            return "**Development task** (settings are chosen on it; it is not a reported result). The first "
                    + DEV_PER_CLASS + " images of each class of the Fashion-MNIST **train** split (" + TRAIN_IMAGES
                    + ", 28x28, white on black) under a fixed zoom-out: image *i* (its index in the IDX file) is "
                    + "shrunk about the image centre by a factor uniform in [" + ZOOM.minScale() + ", "
                    + ZOOM.maxScale() + "] and moved by an offset uniform within the room the shrinking leaves, "
                    + "all three drawn from SplitMix64 hashes of seed " + ZOOM.seed() + " and *i*. Bilinear "
                    + "sampling at pixel centres, black outside the image, rounded half up. File names are "
                    + "`<class>/<i, 5 digits>.png`.\n\n"
                    + "Fashion-MNIST: Han Xiao, Kashif Rasul, Roland Vollgraf (2017), MIT licence.";
        }
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
        Path images = source.resolve(imagesFile());
        Path labels = source.resolve(labelsFile());
        if (!Files.isRegularFile(images) || !Files.isRegularFile(labels)) {
            throw new IllegalArgumentException(name() + ": " + source + " lacks " + imagesFile() + " or "
                    + labelsFile() + "; --source must be " + sourceHelp());
        }
        int cap = dev ? DEV_PER_CLASS * CLASSES.size() : 0;
        List<IdxOriginals.Original> originals = IdxOriginals.read(images, labels, CLASSES,
                limit <= 0 ? cap : cap == 0 ? limit : Math.min(limit, cap));
        List<TaskImage> out = new ArrayList<>(originals.size());
        for (IdxOriginals.Original o : originals) {
            byte[] shifted = dev ? ZoomOut.apply(o.gray(), o.side(), o.side(), ZOOM.of(o.index(), o.side()))
                    : Rotation.rotate(o.gray(), o.side(), o.side(), SHIFT.degreesOf(o.index()));
            out.add(new TaskImage(String.format("%05d.png", o.index()), o.label(), o.side(), o.side(), shifted));
        }
        return out;
    }
}
