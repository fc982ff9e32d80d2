package org.coft.clip.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committed {@code models/micro-clip-tf} is what {@link MicroClipTfExport} writes: regenerated into a temporary
 * folder (needs the TF oracle, {@code target/tf-oracle}; skipped with the reason otherwise), every file has the
 * sha256 the committed {@code manifest.json} records. With {@code -Dcoft.tf.export.out=DIR} it (re)writes the model
 * directory there instead:
 * {@code mvn -B -ntp -pl clip-import test -Dtest=MicroClipTfExportTest -Dcoft.tf.export.out=../models/micro-clip-tf}.
 */
class MicroClipTfExportTest {
    private static final Logger LOG = LoggerFactory.getLogger(MicroClipTfExportTest.class);

    @Test
    void regeneratingGivesTheCommittedBytes(@TempDir Path tmp) throws Exception {
        String target = System.getProperty("coft.tf.export.out");
        if (target != null && !target.isBlank()) {
            Map<String, String> sha = MicroClipTfExport.export(Path.of(target));
            LOG.info("wrote {}: {}", Path.of(target).toAbsolutePath().normalize(), sha);
            return;
        }
        Assumptions.assumeTrue(Files.isRegularFile(MicroClipTfExport.DIR.resolve("manifest.json")),
                "no committed " + MicroClipTfExport.DIR + "/manifest.json");
        Map<String, String> regenerated = MicroClipTfExport.export(tmp.resolve("micro-clip-tf"));
        JsonNode recorded = new ObjectMapper().readTree(MicroClipTfExport.DIR.resolve("manifest.json").toFile())
                .get("sha256");
        Map<String, String> committed = new LinkedHashMap<>();
        recorded.fields().forEachRemaining(e -> committed.put(e.getKey(), e.getValue().asText()));
        assertEquals(committed, regenerated, "regenerated models/micro-clip-tf differs from the committed manifest");
        // the manifest too, but for the SavedModel-vs-frozen difference TensorFlow measured on this machine (its
        // kernels round by CPU), which only has to stay in the last bits
        String again = Files.readString(tmp.resolve("micro-clip-tf/manifest.json"));
        assertEquals(withoutMeasured(Files.readString(MicroClipTfExport.DIR.resolve("manifest.json"))),
                withoutMeasured(again), "manifest.json");
        double measured = new ObjectMapper().readTree(again).get("saved_model_vs_frozen_max_abs").asDouble();
        org.junit.jupiter.api.Assertions.assertTrue(measured <= 1e-5, "SavedModel vs frozen graph: " + measured);
    }

    private static String withoutMeasured(String manifest) {
        return manifest.replaceAll("(?m)^\\s*\"saved_model_vs_frozen_max_abs\": [^\\n]*\\n", "");
    }
}
