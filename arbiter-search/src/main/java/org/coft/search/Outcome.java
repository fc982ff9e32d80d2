package org.coft.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.dl4j.adapt.CoftConfig;

/**
 * A finished candidate of a search: its settings, every objective's value on its run, and how long it took. Stored
 * as {@value #FILE} in the candidate's folder; a search that finds it there does not run the candidate again.
 *
 * @param index      the candidate's number (0 = the base config, the method's defaults unless {@code --config})
 * @param settings   what the space chose (path → value); empty for candidate 0
 * @param config     the whole config the candidate ran with
 * @param objectives every objective's value (NaN where the run lacks what it needs)
 * @param seconds    wall time of the candidate's run
 * @param phase1From the earlier candidate whose Phase I it adopted, or −1
 */
public record Outcome(int index, Map<String, JsonNode> settings, CoftConfig config, Map<Objective, Double> objectives,
                      double seconds, int phase1From) {
    /** The file in a candidate folder. */
    public static final String FILE = "result.json";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The objective's value; {@link Objective#COMBINED} is always derived from its parts' stored values. */
    public double value(Objective o) {
        if (o == Objective.COMBINED) {
            double s = 0;
            int n = 0;
            for (Objective p : Objective.COMBINED_PARTS) {
                double v = value(p);
                if (!Double.isNaN(v)) {
                    s += v;
                    n++;
                }
            }
            return n == 0 ? Double.NaN : s / n;
        }
        return objectives.getOrDefault(o, Double.NaN);
    }

    /**
     * These candidates with the {@link Objective#population() population objectives}' values filled in: each
     * candidate's standing among exactly these ({@link Objective#standing}). Order kept.
     */
    public static List<Outcome> withStandings(List<Outcome> outcomes) {
        if (outcomes.isEmpty()) {
            return outcomes;
        }
        List<Map<Objective, Double>> values = new ArrayList<>();
        for (Outcome o : outcomes) {
            values.add(new LinkedHashMap<>(o.objectives()));
        }
        for (Objective pop : Objective.values()) {
            if (!pop.population()) {
                continue;
            }
            List<Objective> parts = pop.rankParts();
            double[][] pv = new double[parts.size()][outcomes.size()];
            for (int p = 0; p < parts.size(); p++) {
                for (int c = 0; c < outcomes.size(); c++) {
                    pv[p][c] = outcomes.get(c).value(parts.get(p));
                }
            }
            double[] st = Objective.standing(pv);
            for (int c = 0; c < outcomes.size(); c++) {
                values.get(c).put(pop, st[c]);
            }
        }
        List<Outcome> out = new ArrayList<>();
        for (int c = 0; c < outcomes.size(); c++) {
            Outcome o = outcomes.get(c);
            out.add(new Outcome(o.index(), o.settings(), o.config(), values.get(c), o.seconds(), o.phase1From()));
        }
        return out;
    }

    /** A one-line description of the settings, e.g. {@code phase2.epochs=7 phase2.filter=CROSS}. */
    public String describe() {
        return describe(settings);
    }

    /** The same for settings alone (a candidate not run yet). */
    static String describe(Map<String, JsonNode> settings) {
        if (settings.isEmpty()) {
            return "(base config)";
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, JsonNode> e : settings.entrySet()) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            JsonNode v = e.getValue();
            sb.append(e.getKey()).append('=').append(v.isDouble() ? String.format(java.util.Locale.ROOT, "%.4g",
                    v.asDouble()) : v.asText());
        }
        return sb.toString();
    }

    ObjectNode toJson() throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("index", index);
        n.set("settings", JSON.valueToTree(settings));
        n.set("config", JSON.readTree(config.toJson()));
        ObjectNode o = n.putObject("objectives");
        for (Map.Entry<Objective, Double> e : objectives.entrySet()) {
            if (e.getValue().isNaN()) {
                o.putNull(e.getKey().cliName());
            } else {
                o.put(e.getKey().cliName(), e.getValue());
            }
        }
        n.put("seconds", seconds);
        n.put("phase1_from", phase1From);
        return n;
    }

    /** Writes {@value #FILE} atomically (a temporary file moved into place). */
    void write(Path dir) throws IOException {
        org.coft.dl4j.train.ArrayArchive.writeString(dir.resolve(FILE), JSON.writeValueAsString(toJson()));
    }

    /** Reads a candidate's {@value #FILE}. @throws IOException naming the file and the bad field */
    static Outcome read(Path file, CoftConfig base) throws IOException {
        JsonNode n = org.coft.dl4j.run.JsonFiles.readObject(file, "a search candidate's result");
        for (String f : new String[] {"index", "settings", "config", "objectives", "seconds"}) {
            if (!n.has(f)) {
                throw new IOException(file + ": missing field '" + f + "'");
            }
        }
        Map<String, JsonNode> settings = new LinkedHashMap<>();
        n.get("settings").fields().forEachRemaining(e -> settings.put(e.getKey(), e.getValue()));
        Map<Objective, Double> obj = new LinkedHashMap<>();
        var it = n.get("objectives").fields();
        while (it.hasNext()) {
            var e = it.next();
            try {
                obj.put(Objective.parse(e.getKey()), e.getValue().isNull() ? Double.NaN : e.getValue().asDouble());
            } catch (IllegalArgumentException ex) {
                throw new IOException(file + ": " + ex.getMessage(), ex);
            }
        }
        return new Outcome(n.get("index").asInt(), settings, CoftConfig.fromJson(n.get("config"), base,
                file.toString()), obj, n.get("seconds").asDouble(), n.path("phase1_from").asInt(-1));
    }
}
