package org.coft.dl4j.run;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a JSON object from a file — or a YAML mapping, from a file named {@code *.yaml} / {@code *.yml} (the same
 * tree, so every reader's checks, unknown fields included, apply to both); every failure names the file and what
 * it was expected to hold.
 */
public final class JsonFiles {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();

    private JsonFiles() {
    }

    /**
     * @param what what the file should hold, for messages ("the run settings", "a Phase I config")
     * @throws IOException naming the file when it is missing, unreadable, empty, not JSON or not a JSON object
     */
    public static JsonNode readObject(Path file, String what) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "does not exist (expected " + what + ")");
        }
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        String format = yaml ? "YAML" : "JSON";
        JsonNode n;
        try {
            n = (yaml ? YAML : JSON).readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new IOException(file + ": not valid " + format + " (expected " + what + "): " + e.getOriginalMessage()
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + " — the file is truncated or garbled", e);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read (expected " + what + "): " + e, e);
        }
        if (n == null || n.isMissingNode()) {
            throw new IOException(file + ": empty (expected " + what + " as a " + format + " object)");
        }
        if (!n.isObject()) {
            throw new IOException(file + ": expected " + what + " as a " + format + " object, found " + n.getNodeType());
        }
        return n;
    }
}
