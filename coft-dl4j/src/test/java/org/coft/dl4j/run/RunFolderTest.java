package org.coft.dl4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.coft.dl4j.train.ArrayArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/** The run folder's ledger: record, verify, the crash window of a rewrite, work files, and errors that name files. */
class RunFolderTest {
    @Test
    void recordedFilesVerifyAndAChangedByteIsANamedMismatch(@TempDir Path dir) throws Exception {
        RunFolder f = RunFolder.create(dir);
        Path text = dir.resolve("sub").resolve("a.txt");
        f.writeString(text, RunFolder.Kind.MODEL, "hello\n");
        f.writeArchive(dir.resolve("ck.zip"), RunFolder.Kind.WORK, Map.of("x", Nd4j.arange(6)), "{}");
        assertEquals(RunFolder.hash(text), f.entries().get("sub/a.txt").sha256());
        assertEquals(6, f.entries().get("sub/a.txt").bytes());
        // a fresh reader of the folder sees the same records
        RunFolder again = RunFolder.of(dir);
        assertEquals(2, again.verifyAll(dir));
        assertEquals(text, again.verified(text));
        Files.writeString(text, "hellO\n");
        IntegrityException e = assertThrows(IntegrityException.class, () -> again.verified(text));
        assertTrue(e.getMessage().contains("a.txt") && e.getMessage().contains("expected " + f.entries()
                .get("sub/a.txt").sha256()) && e.getMessage().contains("actual " + RunFolder.hash(text)), e.getMessage());
        assertThrows(IntegrityException.class, () -> again.verifyAll(dir));
        // a work file may be deleted (verifyAll skips it), a model file may not
        f.writeString(text, RunFolder.Kind.MODEL, "hello\n");
        Files.delete(dir.resolve("ck.zip"));
        assertEquals(1, RunFolder.of(dir).verifyAll(dir));
        Files.delete(text);
        var missing = assertThrows(IntegrityException.class, () -> RunFolder.of(dir).verifyAll(dir));
        assertTrue(missing.getMessage().contains("missing"), missing.getMessage());
        // a file nobody recorded is refused when read back
        Files.writeString(dir.resolve("stray.zip"), "x");
        var stray = assertThrows(IntegrityException.class, () -> f.verified(dir.resolve("stray.zip")));
        assertTrue(stray.getMessage().contains("not recorded"), stray.getMessage());
    }

    @Test
    void aCrashBetweenTheLedgerUpdateAndTheMoveLeavesAValidOldFile(@TempDir Path dir) throws Exception {
        RunFolder f = RunFolder.create(dir);
        Path ck = dir.resolve("checkpoint-a.zip");
        f.writeString(ck, RunFolder.Kind.WORK, "step 1");
        byte[] old = Files.readAllBytes(ck);
        f.writeString(ck, RunFolder.Kind.WORK, "step 2");
        // as if the process died after the ledger was written but before the new file was moved in
        Files.write(ck, old);
        assertEquals(ck, RunFolder.of(dir).verified(ck));
        Files.writeString(ck, "step 3 (never recorded)");
        assertThrows(IntegrityException.class, () -> RunFolder.of(dir).verified(ck));
        f.delete(ck);
        assertFalse(f.recorded(ck));
        assertFalse(Files.exists(ck));
    }

    @Test
    void writeAndReadErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("not-a-folder"), "x");
        RunFolder f = RunFolder.untracked();
        Path target = dir.resolve("not-a-folder").resolve("model-a.zip");
        IOException w = assertThrows(IOException.class, () -> f.writeArchive(target, RunFolder.Kind.MODEL,
                Map.of("x", Nd4j.arange(3)), "{}"));
        assertTrue(w.getMessage().contains("cannot write " + target) && w.getMessage().contains("disk space"),
                w.getMessage());
        IOException s = assertThrows(IOException.class, () -> ArrayArchive.writeString(target, "x"));
        assertTrue(s.getMessage().contains("cannot write " + target), s.getMessage());
        // a truncated archive
        Path zip = dir.resolve("checkpoint.zip");
        ArrayArchive.write(zip, Map.of("x", Nd4j.rand(50, 50)), "{}");
        byte[] b = Files.readAllBytes(zip);
        Files.write(zip, java.util.Arrays.copyOf(b, b.length / 3));
        IOException t = assertThrows(IOException.class, () -> ArrayArchive.read(zip));
        assertTrue(t.getMessage().contains(zip.toString()), t.getMessage());
        // JSON: truncated, empty, not an object
        Path json = dir.resolve("run.json");
        Files.writeString(json, "{\"a\": [1, 2");
        IOException j = assertThrows(IOException.class, () -> JsonFiles.readObject(json, "the run settings"));
        assertTrue(j.getMessage().startsWith(json + ": not valid JSON (expected the run settings)"), j.getMessage());
        Files.writeString(json, "");
        assertTrue(assertThrows(IOException.class, () -> JsonFiles.readObject(json, "x")).getMessage()
                .contains(json + ": empty"));
        Files.writeString(json, "[1]");
        assertTrue(assertThrows(IOException.class, () -> JsonFiles.readObject(json, "x")).getMessage()
                .contains("found ARRAY"));
        assertTrue(assertThrows(IOException.class, () -> JsonFiles.readObject(dir.resolve("none.json"), "x"))
                .getMessage().contains("none.json"));
        // a folder without a ledger
        Path plain = Files.createDirectories(dir.resolve("plain"));
        var none = assertThrows(IntegrityException.class, () -> RunFolder.of(plain));
        assertTrue(none.getMessage().contains("files.json"), none.getMessage());
    }
}
