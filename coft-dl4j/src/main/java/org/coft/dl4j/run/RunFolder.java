package org.coft.dl4j.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.coft.dl4j.train.ArrayArchive;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@code coft adapt} output folder: the names of its files, their atomic writes and the integrity rules.
 *
 * <p>Every file written through this class is written to a temporary file in the same folder, hashed (SHA-256,
 * streamed while writing), recorded in the ledger {@value #LEDGER} and then moved over its target. The ledger is
 * {@code {"format": "coft-files/1", "algorithm": "SHA-256", "files": {"<path relative to the folder, />":
 * {"sha256": hex, "bytes": n, "kind": "model" | "record" | "work"[, "replaces": hex]}}}}; {@code replaces} is the
 * hash the file had before its last rewrite, so a crash between the ledger update and the move (the file still holds
 * the previous version) is not mistaken for damage. Files are verified when they are read back
 * ({@link #verified(Path)}) and all at once for eval, predict and export ({@link #verifyAll(Path)}).
 *
 * <p>An {@link #untracked()} folder writes atomically but keeps no ledger (library use without a run folder).
 */
public final class RunFolder {
    /** The ledger: every file's SHA-256. */
    public static final String LEDGER = "files.json";
    /** The settings a CoFT / CoFT+ run started with (what {@code --resume} reads). */
    public static final String RUN = "run.json";
    /** The adapted model's manifest. */
    public static final String MANIFEST = "adapted.json";
    /** The class names, one per line in label order: the one authoritative class list of an adapted model. */
    public static final String CLASSES = "classes.txt";
    /** Preprocessing of a fine-tuned classifier. */
    public static final String PREPROCESS = "preprocess.json";
    /** Frozen image features (a cache of the base model's image tower). */
    public static final String FEATURES = "features.zip";
    /** Zero-shot seeds of Phase I. */
    public static final String SEEDS = "seeds.csv";
    /** Phase II's pseudo labels. */
    public static final String PHASE2_LABELS = "phase2-labels.csv";
    /** The filter's inputs and outcome per image (CoFT / CoFT+ runs). */
    public static final String FILTER = "filter.csv";
    /** Each stage's prediction per image (CoFT / CoFT+ runs; no label read). */
    public static final String STAGE_PREDICTIONS = "stage-predictions.csv";
    /** The label-free check (CoFT / CoFT+ runs). */
    public static final String LABEL_FREE_CHECK = "label-free-check.json";
    /** Stage times, memory and Phase I rounds' clean sets. */
    public static final String TRACE = "trace.json";
    /** Loss terms of every training step. */
    public static final String HISTORY = "history.csv";
    /** A run's log, where one is kept (e.g. each in-process {@code coft search} candidate). */
    public static final String LOG = "run.log";
    /** The format of {@value #RUN} this code writes and resumes. */
    public static final String RUN_FORMAT = "coft-run/2";
    private static final String FORMAT = "coft-files/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What a recorded file is: needed to predict, a record of the run, or a work file (cache, checkpoint). */
    public enum Kind {
        /** Needed to predict (parameters, classifier graphs, preprocessing, class names): must be present. */
        MODEL,
        /** Settings and manifests: must be present. */
        RECORD,
        /** Caches, seeds, labels, checkpoints: may be deleted, verified when present. */
        WORK
    }

    /** One recorded file. */
    public record Entry(String sha256, long bytes, Kind kind, String replaces) { }

    private final Path root;
    private final boolean tracked;
    private final Map<String, Entry> entries = new TreeMap<>();

    private RunFolder(Path root, boolean tracked) {
        this.root = root;
        this.tracked = tracked;
    }

    /**
     * The resume rule of a run folder: the settings {@code before} (its {@value #RUN}, at {@code runFile}) and the
     * settings of the run asked for now must share the format, method, seed, config, base-model hashes and data
     * fingerprint; otherwise the folder is refused, naming the field and what to do.
     */
    public static void requireSameRun(JsonNode before, JsonNode now, Path runFile) throws IOException {
        Path out = runFile.getParent();
        requireFormat(before, RUN_FORMAT, runFile, "start a fresh output folder");
        for (String f : List.of("method", "seed", "config")) {
            if (!before.path(f).toString().equals(now.path(f).toString())) {
                throw new IOException(out + " holds a run with another '" + f + "' (" + runFile + "); resume it "
                        + "with the same settings (coft adapt --resume " + out + ") or use a fresh folder");
            }
        }
        if (!before.path("base_model").path("sha256").toString().equals(
                now.path("base_model").path("sha256").toString())) {
            throw new IOException(out + " holds a run with another 'base_model' (" + runFile + ": other file "
                    + "hashes); resume it with the base model it started with or use a fresh folder");
        }
        String was = before.path("data").path("ids_sha256").asText();
        String is = now.path("data").path("ids_sha256").asText();
        if (!was.equals(is)) {
            throw new IOException(out + " holds a run with another 'data' (" + runFile + ": "
                    + before.path("data").path("images").asInt() + " images, fingerprint " + was + "; given: "
                    + now.path("data").path("images").asInt() + " images, fingerprint " + is + "); resume it with "
                    + "the data it started with or use a fresh folder");
        }
    }

    /** @throws IOException naming {@code file} when its {@code format} is not {@code want}, with what to do */
    public static void requireFormat(JsonNode n, String want, Path file, String fix) throws IOException {
        if (!want.equals(n.path("format").asText())) {
            throw new IOException(file + ": format '" + n.path("format").asText() + "', expected " + want
                    + " (written by an older CoFT): " + fix);
        }
    }

    /** Phase I model {@code name}'s parameters. */
    public static String model(String name) {
        return "model-" + name.toLowerCase(Locale.ROOT) + ".zip";
    }

    /** Phase I model {@code name}'s checkpoint while it trains. */
    public static String checkpoint(String name) {
        return "checkpoint-" + name.toLowerCase(Locale.ROOT) + ".zip";
    }

    /** Phase II network {@code name}'s checkpoint while it trains. */
    public static String phase2Checkpoint(String name) {
        return "checkpoint-phase2-" + name.toLowerCase(Locale.ROOT) + ".zip";
    }

    /** The labels of Phase II's self-training round {@code r} ({@code id,label_st<r>}). */
    public static String selfTrainingLabels(int r) {
        return "phase2-labels-st" + r + ".csv";
    }

    /** Phase II network {@code name}'s classifier graph. */
    public static String classifier(String name) {
        return "classifier-" + name.toLowerCase(Locale.ROOT) + ".fb";
    }

    /** Writes atomically, records nothing, verifies nothing. */
    public static RunFolder untracked() {
        return new RunFolder(null, false);
    }

    /**
     * The run folder at {@code root} for writing: created when absent; an existing ledger is read (a resumed run).
     *
     * @throws IOException naming the folder or a damaged ledger
     */
    public static RunFolder create(Path root) throws IOException {
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new IOException("cannot create the output folder " + root + ": " + e, e);
        }
        RunFolder f = new RunFolder(root.toAbsolutePath().normalize(), true);
        if (Files.exists(f.root.resolve(LEDGER))) {
            f.load();
        }
        return f;
    }

    /**
     * The run folder holding {@code dir}: {@code dir} itself, or the folder above it when {@code dir} is a part of a
     * run (a CoFT run's {@code phase1/} or {@code round-r/}).
     *
     * @throws IntegrityException when neither has a ledger
     */
    public static RunFolder of(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        for (Path p = abs; p != null && (p.equals(abs) || p.equals(abs.getParent())); p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(LEDGER))) {
                RunFolder f = new RunFolder(p, true);
                f.load();
                return f;
            }
        }
        throw new IntegrityException(abs.resolve(LEDGER), null, null, "it holds the SHA-256 of every file of an "
                + "adapted model; " + dir + " was written by an older CoFT or the ledger was deleted — re-create it "
                + "with coft adapt");
    }

    /** The folder, or null when untracked. */
    public Path root() {
        return root;
    }

    /** Whether {@code file} is recorded. */
    public synchronized boolean recorded(Path file) {
        return tracked && entries.containsKey(key(file));
    }

    /** The record of {@code file}, or null when it has none (or the folder is untracked). */
    public synchronized Entry entry(Path file) {
        return tracked ? entries.get(key(file)) : null;
    }

    /** The recorded entries by relative path (a copy). */
    public synchronized Map<String, Entry> entries() {
        return new TreeMap<>(entries);
    }

    /** Writes a UTF-8 text file. */
    public void writeString(Path file, Kind kind, String text) throws IOException {
        write(file, kind, "text", os -> os.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes an {@link ArrayArchive}. */
    public void writeArchive(Path file, Kind kind, Map<String, INDArray> arrays, String meta) throws IOException {
        write(file, kind, "array archive", os -> ArrayArchive.write(os, arrays, meta));
    }

    /** Writes the bytes a writer streams. */
    public interface StreamWriter {
        void write(OutputStream os) throws IOException;
    }

    /** Writes a file that a library writes to a path of its own choosing (e.g. {@code SameDiff.save}). */
    public interface FileWriter {
        void write(Path tmp) throws IOException;
    }

    /** Writes a stream's bytes (hashed while they are written). */
    public void write(Path file, Kind kind, String what, StreamWriter w) throws IOException {
        Path tmp = temporary(file, what);
        try {
            MessageDigest md = sha256();
            try (OutputStream os = Files.newOutputStream(tmp); DigestOutputStream dos = new DigestOutputStream(os, md)) {
                w.write(dos);
            }
            finish(file, kind, what, tmp, HexFormat.of().formatHex(md.digest()), Files.size(tmp));
        } catch (IOException e) {
            throw writeError(file, what, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes a file through a writer that needs a path; it is hashed after it is written (streamed). */
    public void writeFile(Path file, Kind kind, String what, FileWriter w) throws IOException {
        Path tmp = temporary(file, what);
        try {
            try {
                w.write(tmp);
            } catch (RuntimeException e) {
                throw new IOException(e.getMessage(), e);
            }
            finish(file, kind, what, tmp, hash(tmp), Files.size(tmp));
        } catch (IOException e) {
            throw writeError(file, what, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private Path temporary(Path file, String what) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            return Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        } catch (IOException e) {
            throw writeError(file, what, e);
        }
    }

    private static IOException writeError(Path file, String what, IOException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("cannot write " + file)) {
            return e;
        }
        return new IOException("cannot write " + file + " (" + what + "): " + e
                + " — check free disk space and write permission of " + file.toAbsolutePath().getParent(), e);
    }

    private synchronized void finish(Path file, Kind kind, String what, Path tmp, String sha, long bytes)
            throws IOException {
        if (tracked) {
            String k = key(file);
            Entry before = entries.get(k);
            String replaces = before != null && Files.exists(file) && !before.sha256().equals(sha) ? before.sha256()
                    : null;
            entries.put(k, new Entry(sha, bytes, kind, replaces));
            save();
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes a file and its record. */
    public synchronized void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
        if (tracked && entries.remove(key(file)) != null) {
            save();
        }
    }

    /**
     * Checks a file against its record before it is read back.
     *
     * @return the file
     * @throws IntegrityException naming the file when it is not recorded, missing or differs
     */
    public Path verified(Path file) throws IOException {
        if (!tracked) {
            return file;
        }
        Entry e;
        synchronized (this) {
            e = entries.get(key(file));
        }
        if (e == null) {
            throw new IntegrityException(file, null, null, "delete it (coft adapt then writes it again) or use a "
                    + "fresh output folder");
        }
        check(file, e);
        return file;
    }

    /**
     * Verifies every recorded file under {@code dir} (the whole folder when it is the root): model files and records
     * must be present and match, work files must match when present.
     *
     * @return the number of files verified
     * @throws IntegrityException naming the first file that fails
     */
    public int verifyAll(Path dir) throws IOException {
        if (!tracked) {
            return 0;
        }
        String prefix = key(dir.resolve("x"));
        prefix = prefix.substring(0, prefix.length() - 1);
        int n = 0;
        for (Map.Entry<String, Entry> e : entries().entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                continue;
            }
            Path f = root.resolve(e.getKey());
            if (e.getValue().kind() == Kind.WORK && !Files.exists(f)) {
                continue;
            }
            check(f, e.getValue());
            n++;
        }
        return n;
    }

    private void check(Path file, Entry e) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IntegrityException(file, e.sha256(), null, "restore it from a copy of the folder, or re-create "
                    + "the folder with coft adapt");
        }
        String actual = hash(file);
        if (!actual.equals(e.sha256()) && !actual.equals(e.replaces())) {
            throw new IntegrityException(file, e.sha256(), actual, e.kind() == Kind.WORK
                    ? "delete it to recompute it (a checkpoint: that model restarts from its first step)"
                    : "restore it from a copy of the folder, or re-create the folder with coft adapt");
        }
    }

    /** Streaming SHA-256 of a file (hex). */
    public static String hash(Path file) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int r;
            while ((r = in.read(buf)) > 0) {
                md.update(buf, 0, r);
            }
        } catch (IOException e) {
            throw new IOException("cannot read " + file + " to verify it: " + e, e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    private String key(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        if (!abs.startsWith(root)) {
            throw new IllegalArgumentException(file + " is not inside the run folder " + root);
        }
        List<String> parts = new ArrayList<>();
        root.relativize(abs).forEach(p -> parts.add(p.toString()));
        return String.join("/", parts);
    }

    private void load() throws IOException {
        Path f = root.resolve(LEDGER);
        JsonNode n = JsonFiles.readObject(f, "the SHA-256 ledger of " + root);
        if (!FORMAT.equals(n.path("format").asText())) {
            throw new IOException(f + ": format '" + n.path("format").asText() + "', expected " + FORMAT);
        }
        var it = n.path("files").fields();
        while (it.hasNext()) {
            var e = it.next();
            JsonNode v = e.getValue();
            Kind kind;
            try {
                kind = Kind.valueOf(v.path("kind").asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                throw new IOException(f + ": file '" + e.getKey() + "' has kind '" + v.path("kind").asText()
                        + "'; kinds are model, record, work", ex);
            }
            if (!v.path("sha256").asText().matches("[0-9a-f]{64}")) {
                throw new IOException(f + ": file '" + e.getKey() + "' has no valid sha256");
            }
            entries.put(e.getKey(), new Entry(v.path("sha256").asText(), v.path("bytes").asLong(), kind,
                    v.hasNonNull("replaces") ? v.get("replaces").asText() : null));
        }
    }

    private void save() throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", FORMAT);
        n.put("algorithm", "SHA-256");
        ObjectNode files = n.putObject("files");
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            ObjectNode f = files.putObject(e.getKey());
            f.put("sha256", e.getValue().sha256());
            f.put("bytes", e.getValue().bytes());
            f.put("kind", e.getValue().kind().name().toLowerCase(Locale.ROOT));
            if (e.getValue().replaces() != null) {
                f.put("replaces", e.getValue().replaces());
            }
        }
        Path target = root.resolve(LEDGER);
        try {
            ArrayArchive.writeString(target, JSON.writeValueAsString(n));
        } catch (IOException e) {
            throw writeError(target, "SHA-256 ledger", e);
        }
    }
}
