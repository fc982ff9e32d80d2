package org.coft.dl4j.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A zip of named arrays ({@code <name>.npy}, readable by numpy) plus one JSON text ({@code meta.json}), written
 * atomically: to a temporary file in the same folder, then moved over the target, so a crash leaves either the
 * old or the new file, never a torn one.
 */
public final class ArrayArchive {
    public static final String META = "meta.json";

    private ArrayArchive() {
    }

    /** Writes {@code arrays} and {@code meta} to {@code file} atomically. */
    public static void write(Path file, Map<String, INDArray> arrays, String meta) throws IOException {
        atomically(file, "array archive", tmp -> {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                write(os, arrays, meta);
            }
        });
    }

    private interface TmpWriter {
        void write(Path tmp) throws IOException;
    }

    /** Writes through a temporary file in the same folder and a move; a failure names the file (disk full, denied). */
    private static void atomically(Path file, String what, TmpWriter w) throws IOException {
        Path tmp = null;
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            w.write(tmp);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IOException("cannot write " + file + " (" + what + "): " + e + " — check free disk space and "
                    + "write permission of " + file.toAbsolutePath().getParent(), e);
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Writes the archive's bytes to a stream (finished, not closed). The same arrays and meta give the same bytes:
     * entries in name order, each stamped with one fixed time (not the clock's).
     */
    public static void write(OutputStream os, Map<String, INDArray> arrays, String meta) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(os);
        zip.putNextEntry(entry(META));
        zip.write(meta.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
        for (Map.Entry<String, INDArray> e : new java.util.TreeMap<>(arrays).entrySet()) {
            zip.putNextEntry(entry(e.getKey() + ".npy"));
            zip.write(Nd4j.toNpyByteArray(e.getValue().dup('c')));
            zip.closeEntry();
        }
        zip.finish();
    }

    /** An entry stamped 2000-01-01 00:00 (a DOS time, the same in every time zone). */
    private static ZipEntry entry(String name) {
        ZipEntry e = new ZipEntry(name);
        e.setTimeLocal(java.time.LocalDateTime.of(2000, 1, 1, 0, 0));
        return e;
    }

    /** Writes a UTF-8 text file atomically (temporary file in the same folder, then a move over the target). */
    public static void writeString(Path file, String text) throws IOException {
        atomically(file, "text", tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }

    /** Writes bytes atomically (temporary file in the same folder, then a move over the target). */
    public static void writeBytes(Path file, byte[] bytes) throws IOException {
        atomically(file, "bytes", tmp -> Files.write(tmp, bytes));
    }

    /** Contents of an archive. */
    public record Contents(Map<String, INDArray> arrays, String meta) {
        /** The meta entry as a JSON object. */
        public com.fasterxml.jackson.databind.node.ObjectNode metaJson() throws IOException {
            return (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(meta);
        }
    }

    /**
     * A training checkpoint to resume from: null when {@code checkpoint} is null or absent; otherwise its contents,
     * verified against {@code files}' ledger and checked to belong to this run ({@code fingerprint} in its meta).
     *
     * @param differ what differs when the fingerprint does not match (for the message), e.g. "model, seed, data or config"
     * @throws IOException naming the checkpoint when it belongs to another run or fails verification
     */
    public static Contents checkpointToResume(Path checkpoint, org.coft.dl4j.run.RunFolder files, String fingerprint,
                                              String differ) throws IOException {
        if (checkpoint == null || !Files.isRegularFile(checkpoint)) {
            return null;
        }
        Contents ck = read(files.verified(checkpoint));
        if (!fingerprint.equals(ck.metaJson().path("fingerprint").asText())) {
            throw new IOException("checkpoint " + checkpoint + " belongs to another run (" + differ + " differ): "
                    + "delete it or use another output folder");
        }
        return ck;
    }

    /**
     * @throws IOException naming the file when it is missing, not a zip, or has a damaged entry
     */
    public static Contents read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no such archive: " + file);
        }
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        String meta = null;
        try (InputStream is = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(is)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                byte[] bytes = readAll(zip);
                if (e.getName().equals(META)) {
                    meta = new String(bytes, StandardCharsets.UTF_8);
                } else if (e.getName().endsWith(".npy")) {
                    try {
                        arrays.put(e.getName().substring(0, e.getName().length() - 4), Nd4j.createNpyFromByteArray(bytes));
                    } catch (RuntimeException ex) {
                        throw new IOException(file + ": entry " + e.getName() + " is not a valid .npy array", ex);
                    }
                }
            }
        } catch (java.util.zip.ZipException | java.io.EOFException ex) {
            throw new IOException(file + " is truncated or not a valid archive (expected a zip of .npy arrays and "
                    + META + " written by CoFT): " + ex, ex);
        } catch (IOException ex) {
            if (ex.getMessage() != null && ex.getMessage().startsWith(file.toString())) {
                throw ex;
            }
            throw new IOException("cannot read the archive " + file + ": " + ex, ex);
        }
        if (meta == null) {
            throw new IOException(file + " has no " + META + " (not written by CoFT, or truncated)");
        }
        return new Contents(arrays, meta);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        in.transferTo(bos);
        return bos.toByteArray();
    }
}
