package org.coft.dl4j.adapt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.phase1.PhaseOne;

/**
 * Where a run's data is, recorded so that {@code --resume} works from any working directory and after the run folder
 * moved: each path of the data spec both relative to the run folder (when it has one) and absolute, plus the data's
 * fingerprint (SHA-256 of the ordered example ids, as the features cache uses) and image count.
 *
 * @param prefix "idx:" for IDX files, "" for a folder or a CSV manifest
 * @param paths  the spec's paths (IDX: images[, labels])
 */
public record InputRef(String prefix, List<Location> paths, String idsSha256, int images) {
    /** One path: {@code relative} to the run folder (null when on another root) and {@code absolute}. */
    public record Location(String relative, String absolute) {
        static Location of(Path p, Path runDir) {
            Path abs = p.toAbsolutePath().normalize();
            String rel = null;
            try {
                rel = runDir.toAbsolutePath().normalize().relativize(abs).toString().replace('\\', '/');
            } catch (IllegalArgumentException e) {
                rel = null;
            }
            return new Location(rel, abs.toString());
        }

        /** The first of (relative to {@code runDir}, absolute) that exists, or null. */
        Path find(Path runDir) {
            if (relative != null) {
                Path p = runDir.toAbsolutePath().resolve(relative).normalize();
                if (Files.exists(p)) {
                    return p;
                }
            }
            Path a = Path.of(absolute);
            return Files.exists(a) ? a : null;
        }

        String describe() {
            return absolute + (relative == null ? "" : " (" + relative + " from the run folder)");
        }
    }

    /** The fingerprint of a data source: the one the features cache is keyed by ({@link PhaseOne#idsFingerprint}). */
    public static String fingerprint(UnlabeledImages images) {
        return PhaseOne.idsFingerprint(images);
    }

    /** Records a data spec as typed ({@code idx:A[,B]}, a folder or a .csv) for a run in {@code runDir}. */
    public static InputRef of(String spec, Path runDir, UnlabeledImages images) {
        String prefix = spec.startsWith("idx:") ? "idx:" : "";
        List<Location> locs = new ArrayList<>();
        for (String p : prefix.isEmpty() ? List.of(spec) : List.of(spec.substring(4).split(","))) {
            locs.add(Location.of(Path.of(p), runDir));
        }
        return new InputRef(prefix, locs, fingerprint(images), images.size());
    }

    /**
     * The data spec to open for the run in {@code runDir} now.
     *
     * @throws NoSuchFileException naming the recorded locations when the data is gone
     */
    public String resolve(Path runDir, Path recordedIn) throws IOException {
        List<String> parts = new ArrayList<>();
        for (Location l : paths) {
            Path p = l.find(runDir);
            if (p == null) {
                throw new NoSuchFileException(l.absolute, null, "the run's data (recorded in " + recordedIn + " as "
                        + l.describe() + ") is gone: put it back there, or start a fresh run with --data");
            }
            parts.add(p.toString());
        }
        return prefix + String.join(",", parts);
    }

    ObjectNode toJson() {
        ObjectNode n = Adaptation.JSON.createObjectNode();
        n.put("prefix", prefix);
        var arr = n.putArray("paths");
        for (Location l : paths) {
            ObjectNode o = arr.addObject();
            if (l.relative() != null) {
                o.put("relative", l.relative());
            }
            o.put("absolute", l.absolute());
        }
        n.put("ids_sha256", idsSha256);
        n.put("images", images);
        return n;
    }

    static InputRef fromJson(JsonNode n, Path file) throws IOException {
        if (n == null || !n.isObject() || !n.path("paths").isArray() || !n.has("ids_sha256")) {
            throw new IOException(file + ": 'data' must be an object with 'paths' and 'ids_sha256' (written by an older "
                    + "CoFT? start a fresh run)");
        }
        List<Location> locs = new ArrayList<>();
        for (JsonNode l : n.get("paths")) {
            if (!l.hasNonNull("absolute")) {
                throw new IOException(file + ": a data path lacks 'absolute'");
            }
            locs.add(new Location(l.hasNonNull("relative") ? l.get("relative").asText() : null,
                    l.get("absolute").asText()));
        }
        return new InputRef(n.path("prefix").asText(""), locs, n.get("ids_sha256").asText(), n.path("images").asInt());
    }
}
