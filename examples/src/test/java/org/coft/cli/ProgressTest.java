package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.coft.dl4j.train.StepInfo;
import org.junit.jupiter.api.Test;

/** The CLI's progress display: quarter lines off a terminal, an in-place bar on one, training steps with epochs. */
class ProgressTest {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    private Progress progress(Progress.Mode mode, String stage) {
        return new Progress(new PrintStream(buf, true, StandardCharsets.UTF_8), mode, stage);
    }

    private String text() {
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static StepInfo step(String model, int epoch, int epochs, int step, int total) {
        return new StepInfo(model, epoch, epochs, step, total, 1.0, 1.0, 0.0, 1e-3, List.of(), new int[0], null);
    }

    @Test
    void linesModePrintsEachQuarterOnceWithRateAndEta() {
        Progress p = progress(Progress.Mode.LINES, "");
        for (int done = 10; done <= 100; done += 10) {
            p.onProgress("image features", done, 100);
        }
        String[] lines = text().split("\n");
        assertEquals(4, lines.length, text());
        for (int q = 1; q <= 4; q++) {
            assertTrue(lines[q - 1].startsWith("progress: image features " + 25 * q + " % ("), lines[q - 1]);
            assertTrue(lines[q - 1].contains("/100 images), "), lines[q - 1]);
        }
        assertTrue(lines[0].matches(".*images/s, ETA \\d+:\\d\\d"), lines[0]);
        assertTrue(lines[3].matches(".*\\(100/100 images\\), .*, done in \\d+:\\d\\d"), lines[3]);
    }

    @Test
    void trainingStepsShowTheModelTheStageAndTheEpoch() {
        Progress p = progress(Progress.Mode.LINES, "Phase II");
        p.onStart("A", 0, 8);
        for (int s = 1; s <= 8; s++) {
            p.onStep(step("A", (s - 1) / 2, 4, s, 8));
        }
        p.onStart("B", 0, 8);
        p.onStep(step("B", 0, 4, 1, 8));
        p.onStep(step("B", 0, 4, 2, 8));
        String t = text();
        assertTrue(t.contains("progress: Phase II model A training, epoch 1/4 25 % (2/8 steps)"), t);
        assertTrue(t.contains("progress: Phase II model A training, epoch 4/4 100 % (8/8 steps)"), t);
        assertTrue(t.contains("progress: Phase II model B training, epoch 1/4 25 % (2/8 steps)"), t);
        assertEquals(5, t.split("\n").length, t);
    }

    @Test
    void aResumedRunCountsItsRateFromTheStepsDoneNow() {
        Progress p = progress(Progress.Mode.LINES, "");
        p.onStart("A", 6, 8); // 6 of 8 steps were done by an earlier process: no quarter line for them
        p.onStep(step("A", 0, 1, 7, 8));
        p.onStep(step("A", 0, 1, 8, 8));
        String[] lines = text().split("\n");
        assertEquals(1, lines.length, text());
        assertTrue(lines[0].startsWith("progress: model A training 100 % (8/8 steps)"), lines[0]);
    }

    @Test
    void barModeRedrawsOneLineAndEndsItWithANewline() {
        Progress p = progress(Progress.Mode.BAR, "");
        p.begin("search candidates", "candidates", 4, 0);
        p.update(1);
        p.update(2);
        p.finish(); // the search ended early (time budget): the bar keeps its line
        String t = text();
        assertEquals(2, t.chars().filter(c -> c == '\r').count(), t);
        assertTrue(t.contains("search candidates") && t.contains("[###############...............] 2/4 candidates"), t);
        assertTrue(t.endsWith("\n"), t);
    }

    @Test
    void offPrintsNothing() {
        Progress p = progress(Progress.Mode.OFF, "Phase I");
        p.onProgress("scoring all images", 5, 5);
        p.onStep(step("A", 0, 1, 1, 1));
        assertEquals("", text());
    }

    @Test
    void ratesBelowOnePerSecondAreShownAsSecondsPerUnit() {
        assertEquals("12.5 images/s", Progress.rate(12.5, "images"));
        assertEquals("40.0 s/candidate", Progress.rate(1 / 40.0, "candidates"));
        assertEquals("1:01:05", Progress.clock(3665));
        assertEquals("2:05", Progress.clock(125));
    }

    @Test
    void anUnknownProgressSettingIsNamed() {
        String before = System.getProperty("coft.progress");
        System.setProperty("coft.progress", "fancy");
        try {
            var e = assertThrows(IllegalArgumentException.class, Progress::mode);
            assertTrue(e.getMessage().contains("-Dcoft.progress=fancy") && e.getMessage().contains("bar, lines or off"),
                    e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty("coft.progress");
            } else {
                System.setProperty("coft.progress", before);
            }
        }
    }
}
