package org.coft.datavec;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Writes small generated images and IDX files for tests. */
public final class TestImages {

    private TestImages() {
    }

    /** A seeded pattern image (gradients plus noise). */
    public static BufferedImage pattern(int w, int h, long seed, int type) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 255 / Math.max(1, w - 1) + rnd.nextInt(30)) & 0xFF;
                int g = (y * 255 / Math.max(1, h - 1) + rnd.nextInt(30)) & 0xFF;
                int b = (int) (127 + 120 * Math.sin((x + seed) / 3.0)) & 0xFF;
                img.setRGB(x, y, 0xFF000000 | (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    public static Path png(Path file, int w, int h, long seed) throws IOException {
        return write(pattern(w, h, seed, BufferedImage.TYPE_INT_RGB), "png", file);
    }

    public static Path grayPng(Path file, int w, int h, long seed) throws IOException {
        BufferedImage gray = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        Random rnd = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                gray.getRaster().setSample(x, y, 0, rnd.nextInt(256));
            }
        }
        return write(gray, "png", file);
    }

    public static Path jpeg(Path file, int w, int h, long seed) throws IOException {
        return write(pattern(w, h, seed, BufferedImage.TYPE_3BYTE_BGR), "jpeg", file);
    }

    private static Path write(BufferedImage img, String format, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(img, format, file.toFile())) {
            throw new IOException("no writer for " + format);
        }
        return file;
    }

    /** Replaces the file by its first {@code fraction} of bytes. */
    public static Path truncate(Path file, double fraction) throws IOException {
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, (int) (all.length * fraction)));
        return file;
    }

    /** Writes an IDX file of unsigned bytes with the given dimensions, optionally gzipped. */
    public static Path idx(Path file, int[] dims, byte[] data, boolean gzip) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream raw = Files.newOutputStream(file);
             OutputStream out = gzip ? new GZIPOutputStream(raw) : raw) {
            out.write(new byte[] {0, 0, 0x08, (byte) dims.length});
            for (int d : dims) {
                out.write(new byte[] {(byte) (d >>> 24), (byte) (d >>> 16), (byte) (d >>> 8), (byte) d});
            }
            out.write(data);
        }
        return file;
    }

    /** Ids of every image the source yields, read through a 2-thread batch iterator with {@code config}. */
    public static java.util.List<String> drain(org.coft.datavec.source.ImageSource src,
                                               org.coft.clip.preprocess.PreprocessConfig config) {
        java.util.List<String> ids = new java.util.ArrayList<>();
        try (org.coft.datavec.iterate.ImageBatchIterator it = org.coft.datavec.iterate.ImageBatchIterator
                .builder(src.images(), config).batchSize(2).threads(2).build()) {
            while (it.hasNext()) {
                ids.addAll(it.nextBatch().ids());
            }
        }
        return ids;
    }
}
