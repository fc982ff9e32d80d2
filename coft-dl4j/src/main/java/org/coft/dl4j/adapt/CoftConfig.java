package org.coft.dl4j.adapt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.dl4j.phase1.PhaseOneConfig;
import org.coft.dl4j.phase2.PhaseTwoConfig;

/**
 * Settings of the whole CoFT / CoFT+ pipeline: Phase I (per round), Phase II and the number of Phase I rounds. As
 * JSON: {@code {"rounds": R, "phase1": {...}, "phase2": {...}}}, every field optional.
 *
 * @param rounds R rounds of Phase I (1 = CoFT; CoFT+ 2 (ours: the paper iterates, its R is a setting)); round r > 1
 *               re-initialises both models and each picks its own top-K seeds with its round r − 1 model
 */
public record CoftConfig(int rounds, PhaseOneConfig phase1, PhaseTwoConfig phase2) implements java.io.Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public CoftConfig {
        if (rounds < 1) {
            throw new IllegalArgumentException("config field 'rounds' = " + rounds + ": expected at least 1");
        }
        phase1 = phase1 == null ? PhaseOneConfig.defaults() : phase1;
        phase2 = phase2 == null ? PhaseTwoConfig.defaults() : phase2;
    }

    /** CoFT's defaults. */
    public static CoftConfig coft() {
        return new CoftConfig(1, PhaseOneConfig.defaults(), PhaseTwoConfig.defaults());
    }

    /** CoFT+'s defaults (its richer prompts come from a prompts file, {@link #withPrompts}). */
    public static CoftConfig plus() {
        return new CoftConfig(2, PhaseOneConfig.defaults(), PhaseTwoConfig.plus());
    }

    public static CoftConfig defaults(Method m) {
        return m == Method.COFT_PLUS ? plus() : coft();
    }

    public CoftConfig withPhase1(PhaseOneConfig p) {
        return new CoftConfig(rounds, p, phase2);
    }

    public CoftConfig withPhase2(PhaseTwoConfig p) {
        return new CoftConfig(rounds, phase1, p);
    }

    public CoftConfig withRounds(int r) {
        return new CoftConfig(r, phase1, phase2);
    }

    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("rounds", rounds);
        try {
            n.set("phase1", JSON.readTree(phase1.toJson()));
            n.set("phase2", JSON.readTree(phase2.toJson()));
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses what {@link #toJson} wrote (fields left out keep {@code defaults}). */
    public static CoftConfig fromJson(JsonNode given, CoftConfig defaults, String where) throws IOException {
        if (given == null || !given.isObject()) {
            throw new IOException(where + ": expected a JSON object with 'rounds', 'phase1', 'phase2'");
        }
        var it = given.fieldNames();
        while (it.hasNext()) {
            String f = it.next();
            if (!List.of("rounds", "phase1", "phase2").contains(f)) {
                throw new IOException(where + ": unknown field '" + f + "'; fields are rounds, phase1, phase2");
            }
        }
        try {
            PhaseOneConfig p1 = merge(JSON.valueToTree(JSON.readTree(defaults.phase1().toJson())), given.get("phase1"),
                    PhaseOneConfig.class, where + " phase1");
            PhaseTwoConfig p2 = merge(JSON.valueToTree(JSON.readTree(defaults.phase2().toJson())), given.get("phase2"),
                    PhaseTwoConfig.class, where + " phase2");
            return new CoftConfig(given.path("rounds").asInt(defaults.rounds()), p1, p2);
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": " + e.getMessage(), e);
        }
    }

    /** Reads a JSON config file over {@code defaults}. */
    public static CoftConfig read(Path file, CoftConfig defaults) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("config file " + file + " does not exist");
        }
        return fromJson(org.coft.dl4j.run.JsonFiles.readObject(file, "a coft config {\"rounds\": R, \"phase1\": "
                + "{...}, \"phase2\": {...}}"), defaults, file.toString());
    }

    private static <T> T merge(JsonNode base, JsonNode given, Class<T> type, String where) throws IOException {
        if (given != null) {
            if (!given.isObject()) {
                throw new IOException(where + ": expected a JSON object");
            }
            var it = given.fields();
            while (it.hasNext()) {
                var e = it.next();
                if (!base.has(e.getKey())) {
                    List<String> names = new ArrayList<>();
                    base.fieldNames().forEachRemaining(names::add);
                    throw new IOException(where + ": unknown field '" + e.getKey() + "'; fields are " + names);
                }
                ((ObjectNode) base).set(e.getKey(), e.getValue());
            }
        }
        try {
            return JSON.treeToValue(base, type);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(where + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a prompts file as an LLM would write it for a task — {@code {"templates": ["a photo of a {}.", ...],
     * "descriptions": {"class name": ["a sentence", ...], ...}}} — and returns this config with them as Phase I's
     * zero-shot prompts.
     *
     * @throws IOException naming the file and the bad field
     */
    public CoftConfig withPrompts(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("prompts file " + file + " does not exist");
        }
        JsonNode n = org.coft.dl4j.run.JsonFiles.readObject(file, "prompts {\"templates\": [...], "
                + "\"descriptions\": {...}}");
        if (n == null || !n.isObject()) {
            throw new IOException(file + ": expected a JSON object with 'templates' and/or 'descriptions'");
        }
        var it = n.fieldNames();
        while (it.hasNext()) {
            String f = it.next();
            if (!List.of("templates", "descriptions").contains(f)) {
                throw new IOException(file + ": unknown field '" + f + "'; fields are templates, descriptions");
            }
        }
        List<String> templates = new ArrayList<>(phase1.templates());
        if (n.has("templates")) {
            templates.clear();
            for (JsonNode t : n.get("templates")) {
                if (!t.isTextual() || !t.asText().contains("{}")) {
                    throw new IOException(file + ": template " + t + " is not a string containing {}");
                }
                templates.add(t.asText());
            }
            if (templates.isEmpty()) {
                throw new IOException(file + ": 'templates' is empty");
            }
        }
        Map<String, List<String>> desc = new LinkedHashMap<>();
        if (n.has("descriptions")) {
            if (!n.get("descriptions").isObject()) {
                throw new IOException(file + ": 'descriptions' must map class names to lists of sentences");
            }
            var f = n.get("descriptions").fields();
            while (f.hasNext()) {
                var e = f.next();
                List<String> lines = new ArrayList<>();
                for (JsonNode s : e.getValue()) {
                    if (!s.isTextual() || s.asText().isBlank()) {
                        throw new IOException(file + ": description of '" + e.getKey() + "' has a non-text or empty "
                                + "entry " + s);
                    }
                    lines.add(s.asText());
                }
                desc.put(e.getKey(), lines);
            }
        }
        return withPhase1(phase1.withPrompts(templates, desc));
    }
}
