package org.coft.dl4j.adapt;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where an adapted classifier came from, as typed fields read from its manifest ({@value Adaptation#MANIFEST}):
 * the method, whether labels were read (only the supervised CoOp reference reads them), the run seed, the base
 * model's files with their SHA-256, the data's fingerprint (SHA-256 of its ordered ids) and image count, the
 * library versions, and when the run was made.
 */
public record Provenance(Method method, boolean supervised, long seed, Map<String, String> baseModelSha256,
                         String dataIdsSha256, int images, Map<String, String> versions, String created) {
    public Provenance {
        baseModelSha256 = Map.copyOf(baseModelSha256);
        versions = Map.copyOf(versions);
    }

    /** The provenance recorded in a manifest's JSON. */
    static Provenance of(JsonNode m, Method method, long seed) {
        Map<String, String> hashes = new LinkedHashMap<>();
        m.path("base_model").path("sha256").fields().forEachRemaining(e -> hashes.put(e.getKey(), e.getValue().asText()));
        Map<String, String> versions = new LinkedHashMap<>();
        m.path("versions").fields().forEachRemaining(e -> versions.put(e.getKey(), e.getValue().asText()));
        return new Provenance(method, m.path("supervised").asBoolean(false), seed, hashes,
                m.path("data").path("ids_sha256").asText(""), m.path("data").path("images").asInt(0), versions,
                m.path("created").asText(""));
    }
}
