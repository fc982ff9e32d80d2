package org.coft.dl4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.coft.dl4j.adapt.CoftConfig;
import org.coft.dl4j.adapt.Method;
import org.coft.dl4j.phase1.PhaseOneConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configs in YAML read as the same tree as JSON: same config, unknown fields named, syntax errors located. */
class JsonFilesTest {
    @TempDir
    Path tmp;

    @Test
    void yamlConfigEqualsItsJsonTwin() throws IOException {
        Path json = Files.writeString(tmp.resolve("run.json"), "{\"rounds\": 2, \"phase1\": {\"epochs\": 7, "
                + "\"learningRate\": 0.003, \"visual\": \"ADAPTER\", \"templates\": [\"a photo of a {}.\", "
                + "\"a sketch of a {}.\"]}, \"phase2\": {\"epochs\": 3, \"learningRate\": 1e-4, \"balance\": \"NONE\"}}");
        Path yaml = Files.writeString(tmp.resolve("run.yaml"), """
                # the same settings as run.json
                rounds: 2
                phase1:
                  epochs: 7
                  learningRate: 0.003
                  visual: ADAPTER
                  templates:
                    - "a photo of a {}."
                    - "a sketch of a {}."
                phase2:
                  epochs: 3
                  learningRate: 1.0e-4
                  balance: NONE
                """);
        CoftConfig a = CoftConfig.read(json, CoftConfig.defaults(Method.COFT));
        CoftConfig b = CoftConfig.read(yaml, CoftConfig.defaults(Method.COFT));
        assertEquals(a.toJson(), b.toJson());
        assertEquals(2, b.rounds());
        assertEquals(3, b.phase2().epochs());
        Path p1 = Files.writeString(tmp.resolve("p1.yml"), "epochs: 4\nseedsPerClass: 8\n");
        assertEquals(4, PhaseOneConfig.read(p1, PhaseOneConfig.defaults()).epochs());
    }

    @Test
    void yamlUnknownFieldsAndSyntaxErrorsAreNamed() throws IOException {
        Path unknown = Files.writeString(tmp.resolve("bad.yaml"), "phase2:\n  epochz: 3\n");
        IOException e = assertThrows(IOException.class, () -> CoftConfig.read(unknown,
                CoftConfig.defaults(Method.COFT)));
        assertTrue(e.getMessage().contains("epochz") && e.getMessage().contains("bad.yaml"), e.getMessage());
        Path top = Files.writeString(tmp.resolve("top.yaml"), "round: 2\n");
        e = assertThrows(IOException.class, () -> CoftConfig.read(top, CoftConfig.defaults(Method.COFT)));
        assertTrue(e.getMessage().contains("'round'"), e.getMessage());
        Path broken = Files.writeString(tmp.resolve("broken.yaml"), "phase2:\n  epochs: [3\n");
        e = assertThrows(IOException.class, () -> CoftConfig.read(broken, CoftConfig.defaults(Method.COFT)));
        assertTrue(e.getMessage().contains("broken.yaml") && e.getMessage().contains("not valid YAML")
                && e.getMessage().contains("line"), e.getMessage());
        Path list = Files.writeString(tmp.resolve("list.yaml"), "- 1\n- 2\n");
        e = assertThrows(IOException.class, () -> CoftConfig.read(list, CoftConfig.defaults(Method.COFT)));
        assertTrue(e.getMessage().contains("YAML object"), e.getMessage());
    }
}
