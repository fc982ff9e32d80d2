package org.coft.dl4j.pass;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The contents of a {@link RemoteModel}'s files, to ship to worker JVMs once (a Spark broadcast), with a SHA-256 over
 * names and contents that identifies them.
 *
 * @param contents relative name → bytes
 * @param sha256   of every name and content, in name order
 */
public record ModelFiles(Map<String, byte[]> contents, String sha256) implements Serializable {

    /** Reads the files of {@code model}. */
    public static ModelFiles of(RemoteModel model) throws IOException {
        Map<String, byte[]> c = new LinkedHashMap<>();
        MessageDigest md = sha256Digest();
        for (Map.Entry<String, Path> e : new java.util.TreeMap<>(model.files()).entrySet()) {
            byte[] b = Files.readAllBytes(e.getValue());
            c.put(e.getKey(), b);
            md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(b);
        }
        return new ModelFiles(c, HexFormat.of().formatHex(md.digest()));
    }

    /** Writes the files below {@code root} (created) under their relative names. */
    public void writeTo(Path root) throws IOException {
        for (Map.Entry<String, byte[]> e : contents.entrySet()) {
            Path p = root.resolve(e.getKey()).normalize();
            if (!p.startsWith(root)) {
                throw new IOException("model file name " + e.getKey() + " leaves the model folder");
            }
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue());
        }
    }

    /** Total bytes. */
    public long size() {
        return contents.values().stream().mapToLong(b -> b.length).sum();
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
