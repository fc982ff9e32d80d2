package org.coft.dl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.coft.dl4j.run.RunFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/** The one rule both trainers resume by: a checkpoint is used only when it belongs to this run. */
class CheckpointResumeTest {
    @Test
    void aCheckpointIsResumedOnlyByTheRunItBelongsTo(@TempDir Path tmp) throws Exception {
        Path ck = tmp.resolve("checkpoint-a.zip");
        RunFolder files = RunFolder.untracked();
        assertNull(ArrayArchive.checkpointToResume(ck, files, "f1", "model"), "no checkpoint: a fresh start");
        assertNull(ArrayArchive.checkpointToResume(null, files, "f1", "model"));
        ArrayArchive.write(ck, Map.of("w", Nd4j.ones(2)), "{\"fingerprint\": \"f1\", \"step\": 7}");
        var got = ArrayArchive.checkpointToResume(ck, files, "f1", "model");
        assertEquals(7, got.metaJson().path("step").asInt());
        assertEquals(Nd4j.ones(2), got.arrays().get("w"));
        IOException e = assertThrows(IOException.class,
                () -> ArrayArchive.checkpointToResume(ck, files, "f2", "model, seed, data or config"));
        assertTrue(e.getMessage().contains(ck.toString()) && e.getMessage().contains("belongs to another run (model, "
                + "seed, data or config differ)"), e.getMessage());
    }
}
