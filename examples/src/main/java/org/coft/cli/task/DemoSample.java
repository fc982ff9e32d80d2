package org.coft.cli.task;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The demo's real images, shipped in the jar: the first {@value #PER_CLASS} images of each class of the
 * Fashion-MNIST test split (MIT licence), unrotated, with their indices in the split, so that {@code coft demo}
 * runs on a fresh machine without Fashion-MNIST installed. The demo applies the {@code fashion-shift} rotation to
 * them ({@link FashionShiftTask#SHIFT}, by original index): the folder it writes is byte for byte the one {@code coft
 * task fashion-shift --limit 400} writes from the installed data set (tested).
 *
 * <p>Format of {@value #RESOURCE} (gzip): the ASCII magic {@code COFT-FMNIST-SAMPLE-1}, then a big-endian int count,
 * then per image a big-endian int index in {@code t10k-images-idx3-ubyte}, one label byte and 28 × 28 grey bytes
 * row-major (the IDX file's bytes). {@code tools/demo-data/make-sample.sh} writes it from the installed data set.
 */
public final class DemoSample {
    /** Images per class in the sample. */
    public static final int PER_CLASS = 40;
    /** The resource holding the sample. */
    public static final String RESOURCE = "/demo/fashion-mnist-test-sample.bin.gz";
    static final String MAGIC = "COFT-FMNIST-SAMPLE-1";
    static final int SIDE = 28;

    private DemoSample() {
    }

    /** One unrotated sample image. */
    record Entry(int index, int label, byte[] gray) { }

    /**
     * The demo's task images: the sample's first {@code perClass} images of each class, rotated as in
     * {@code fashion-shift}, named by their index in the test split.
     *
     * @param perClass images per class, 1 to {@value #PER_CLASS}
     */
    public static List<TaskImage> fashionShift(int perClass) throws IOException {
        if (perClass < 1 || perClass > PER_CLASS) {
            throw new IllegalArgumentException("--per-class " + perClass + ": the embedded sample holds " + PER_CLASS
                    + " images per class (install dataset-fashion-mnist and use --data fashion-shift for more)");
        }
        List<Entry> all = read();
        int[] labels = all.stream().mapToInt(Entry::label).toArray();
        int[] keep = BenchmarkTask.limitPerClass(labels, FashionShiftTask.CLASSES.size(),
                perClass * FashionShiftTask.CLASSES.size());
        List<TaskImage> out = new ArrayList<>(keep.length);
        for (int i : keep) {
            Entry e = all.get(i);
            out.add(new TaskImage(String.format("%05d.png", e.index()), e.label(), SIDE, SIDE,
                    Rotation.rotate(e.gray(), SIDE, SIDE, FashionShiftTask.SHIFT.degreesOf(e.index()))));
        }
        return out;
    }

    static List<Entry> read() throws IOException {
        try (InputStream raw = DemoSample.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new IOException("the demo sample " + RESOURCE + " is missing from the jar (rebuild examples)");
            }
            return decode(raw, RESOURCE);
        }
    }

    static List<Entry> decode(InputStream raw, String where) throws IOException {
        try {
            return decodeGzip(raw, where);
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            throw new IOException(where + ": damaged or truncated demo sample (" + e + "); rebuild the jar or rerun "
                    + "tools/demo-data/make-sample.sh", e);
        }
    }

    private static List<Entry> decodeGzip(InputStream raw, String where) throws IOException {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(raw))) {
            byte[] magic = new byte[MAGIC.length()];
            in.readFully(magic);
            if (!MAGIC.equals(new String(magic, StandardCharsets.US_ASCII))) {
                throw new IOException(where + ": not a CoFT demo sample (magic '"
                        + new String(magic, StandardCharsets.US_ASCII) + "', expected '" + MAGIC + "')");
            }
            int n = in.readInt();
            if (n < 1 || n > 100_000) {
                throw new IOException(where + ": image count " + n + " out of range 1..100000");
            }
            List<Entry> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int index = in.readInt();
                int label = in.readUnsignedByte();
                if (label >= FashionShiftTask.CLASSES.size()) {
                    throw new IOException(where + ": image " + i + " has label " + label + ", expected 0.."
                            + (FashionShiftTask.CLASSES.size() - 1));
                }
                byte[] gray = new byte[SIDE * SIDE];
                in.readFully(gray);
                out.add(new Entry(index, label, gray));
            }
            return out;
        }
    }

    /** The sample as built from an installed Fashion-MNIST folder (the first {@value #PER_CLASS} per class). */
    static List<Entry> build(Path fashionMnist) throws IOException {
        Path images = fashionMnist.resolve(FashionShiftTask.IMAGES);
        Path labels = fashionMnist.resolve(FashionShiftTask.LABELS);
        if (!Files.isRegularFile(images) || !Files.isRegularFile(labels)) {
            throw new IllegalArgumentException(fashionMnist + " lacks " + FashionShiftTask.IMAGES + " or "
                    + FashionShiftTask.LABELS);
        }
        List<Entry> out = new ArrayList<>();
        for (IdxOriginals.Original o : IdxOriginals.read(images, labels, FashionShiftTask.CLASSES,
                PER_CLASS * FashionShiftTask.CLASSES.size())) {
            if (o.side() != SIDE) {
                throw new IOException(images + ": image " + o.index() + " is " + o.side() + " pixels wide, expected "
                        + SIDE);
            }
            out.add(new Entry(o.index(), o.label(), o.gray()));
        }
        return out;
    }

    static byte[] encode(List<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes); DataOutputStream out = new DataOutputStream(gz)) {
            out.write(MAGIC.getBytes(StandardCharsets.US_ASCII));
            out.writeInt(entries.size());
            for (Entry e : entries) {
                out.writeInt(e.index());
                out.writeByte(e.label());
                out.write(e.gray());
            }
        }
        // java.util.zip writes a zero modification time into the gzip header: the bytes are reproducible
        return bytes.toByteArray();
    }

    /**
     * Writes the sample from an installed Fashion-MNIST folder ({@code tools/demo-data/make-sample.sh}).
     *
     * @param args the Fashion-MNIST folder and the output file
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: DemoSample FASHION_MNIST_DIR OUT_FILE");
            System.exit(2);
        }
        Files.write(Path.of(args[1]), encode(build(Path.of(args[0]))));
    }
}
