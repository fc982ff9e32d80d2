package org.coft.cli.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.coft.dl4j.run.RunLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class CliLoggerFactoryTest {

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    /** Runs {@code body} with standard output and error captured; returns {out, err}. */
    private static String[] capture(Runnable body) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            body.run();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[] {o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void theRunLogIsPrintedAsWrittenAndOtherLinesWithLevelAndName() {
        CliLoggerFactory f = new CliLoggerFactory(props("level", "warn", "level.org.coft", "info",
                "plain", "org.coft.dl4j"), new Properties());
        String[] io = capture(() -> {
            f.getLogger("org.coft.dl4j.phase1.PhaseOne").info("seeds: {} ({} per class)", 160, 16);
            f.getLogger("org.coft.dl4j.phase1.PhaseOne").debug("not shown");
            f.getLogger("org.coft.dl4j.phase1.PhaseOne").warn("careful");
            f.getLogger("org.coft.datavec.source.FolderLister").info("ignored 3 files");
            f.getLogger("org.nd4j.Foo").info("not shown either");
            f.getLogger("org.nd4j.Foo").error("broken");
            f.getLogger("org.coft.dl4jx.Other").info("prefix is per name part");
        });
        assertEquals("seeds: 160 (16 per class)" + System.lineSeparator(), io[0]);
        String err = io[1];
        assertTrue(err.contains("WARN org.coft.dl4j.phase1.PhaseOne - careful"), err);
        assertTrue(err.contains("INFO org.coft.datavec.source.FolderLister - ignored 3 files"), err);
        assertTrue(err.contains("ERROR org.nd4j.Foo - broken"), err);
        assertTrue(err.contains("INFO org.coft.dl4jx.Other - prefix is per name part"), err);
        assertFalse(err.contains("not shown"), err);
    }

    @Test
    void longestPrefixWinsAndSystemPropertiesOverride() {
        CliLoggerFactory f = new CliLoggerFactory(props("level", "warn", "level.org.coft", "info",
                "level.org.coft.dl4j.train", "error"), props("coft.log.level.org.coft.dl4j", "debug"));
        assertEquals(CliLoggerFactory.Level.ERROR, f.levelOf("org.coft.dl4j.train.ProgressListener"));
        assertEquals(CliLoggerFactory.Level.DEBUG, f.levelOf("org.coft.dl4j.phase1.PhaseOne"));
        assertEquals(CliLoggerFactory.Level.INFO, f.levelOf("org.coft.search.CoftSearch"));
        assertEquals(CliLoggerFactory.Level.WARN, f.levelOf("org.nd4j.linalg.Foo"));
        var bad = assertThrows(IllegalArgumentException.class,
                () -> new CliLoggerFactory(props("level.org.coft", "loud"), new Properties()));
        assertTrue(bad.getMessage().contains("level.org.coft = 'loud'"), bad.getMessage());
    }

    @Test
    void aRunLogFileInTheMdcTakesTheThreadsLines(@TempDir Path tmp) throws Exception {
        // the command's backend is the one SLF4J bound: the library's RunLog reaches it through the MDC
        Logger log = LoggerFactory.getLogger("org.coft.dl4j.adapt.Test");
        Path file = tmp.resolve("cand/run.log");
        String[] io = capture(() -> {
            try (var ignored = RunLog.to(file)) {
                log.info("into the file");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            log.info("back on standard output");
        });
        assertEquals("into the file" + System.lineSeparator(), Files.readString(file));
        assertEquals("back on standard output" + System.lineSeparator(), io[0]);
    }
}
