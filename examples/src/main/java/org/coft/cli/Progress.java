package org.coft.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.coft.dl4j.train.StepInfo;
import org.coft.dl4j.train.TrainingListener;

/**
 * Progress of the command line's long steps, on standard error: a bar with rate and ETA redrawn in place on a
 * terminal; on anything else (CI logs, files) a plain line at every quarter of a task. A {@link TrainingListener},
 * so the library reports each model's training steps (with the epoch) and its all-image passes (features, scoring,
 * classifying) through the listener list, never by printing. {@code -Dcoft.progress=bar|lines|off} overrides the
 * choice.
 */
final class Progress implements TrainingListener {
    private final PrintStream err;
    private final Mode mode;
    private final String stage;
    private String task;
    private String unit;
    private long total;
    private long startDone;
    private long start;
    private int quarter;

    /** How progress is shown. */
    enum Mode { BAR, LINES, OFF }

    Progress() {
        this("");
    }

    /** Progress whose training tasks are named after {@code stage} (e.g. "Phase II"). */
    Progress(String stage) {
        this(System.err, mode(), stage);
    }

    Progress(PrintStream err, Mode mode, String stage) {
        this.err = err;
        this.mode = mode;
        this.stage = stage;
    }

    /** A one-off task of {@code total} images, shown as {@code label}. */
    Progress(String label, long total) {
        this();
        begin(label, "images", total, 0);
    }

    static Mode mode() {
        String p = System.getProperty("coft.progress", "");
        return switch (p) {
            case "bar", "true" -> Mode.BAR;
            case "lines" -> Mode.LINES;
            case "off", "false" -> Mode.OFF;
            case "" -> stderrIsTerminal() ? Mode.BAR : Mode.LINES;
            default -> throw new IllegalArgumentException("-Dcoft.progress=" + p + ": expected bar, lines or off");
        };
    }

    /**
     * Whether standard error is a terminal: on Linux from what file descriptor 2 points to (a pseudo-terminal or a
     * tty), so that {@code coft demo > out.txt} still draws bars on the screen; elsewhere whether the JVM has a
     * console (both standard input and output are terminals).
     */
    static boolean stderrIsTerminal() {
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /**
     * Starts {@code label} (a task of {@code n} {@code units}, {@code already} of them done before this process,
     * e.g. steps of a resumed run) unless it is the running task; a different running task is ended first.
     */
    synchronized void begin(String label, String units, long n, long already) {
        if (task != null && !task.equals(label)) {
            finish();
        }
        if (!label.equals(task)) {
            task = label;
            unit = units;
            start = System.nanoTime();
            startDone = already;
            quarter = (int) (4 * already / Math.max(n, 1));
        }
        total = Math.max(n, 1);
    }

    /** {@code done} of the running task's units finished so far (cumulative). */
    synchronized void update(long done) {
        update(done, "");
    }

    private void update(long done, String detail) {
        if (task == null || mode == Mode.OFF) {
            return;
        }
        double secs = Math.max((System.nanoTime() - start) / 1e9, 1e-9);
        double rate = (done - startDone) / secs;
        String eta = done >= total ? "done in " + clock(secs) : rate > 0 ? "ETA " + clock((total - done) / rate) : "ETA ?";
        if (mode == Mode.BAR) {
            int width = 30;
            int filled = (int) Math.min(width, width * done / total);
            err.printf(Locale.ROOT, "\r%-44s [%s%s] %d/%d %s, %s, %s   ", cut(task + detail), "#".repeat(filled),
                    ".".repeat(width - filled), done, total, unit, rate(rate, unit), eta);
            err.flush();
            if (done >= total) {
                err.println();
                task = null;
            }
        } else {
            int q = (int) Math.min(4, 4 * done / total);
            if (q > quarter) {
                quarter = q;
                err.printf(Locale.ROOT, "progress: %s%s %d %% (%d/%d %s), %s, %s%n", task, detail, 25 * q, done, total,
                        unit, rate(rate, unit), eta);
                err.flush();
                if (done >= total) {
                    task = null;
                }
            }
        }
    }

    /** Ends the running task (a bar that did not reach its end keeps its line). */
    synchronized void finish() {
        if (task != null && mode == Mode.BAR) {
            err.println();
        }
        task = null;
    }

    @Override
    public void onStart(String model, int startStep, int totalSteps) {
        begin(trainingTask(model), "steps", totalSteps, startStep);
    }

    @Override
    public synchronized void onStep(StepInfo s) {
        begin(trainingTask(s.model()), "steps", s.totalSteps(), s.step() - 1);
        update(s.step(), s.epochs() > 1 ? String.format(Locale.ROOT, ", epoch %d/%d", s.epoch() + 1, s.epochs()) : "");
    }

    @Override
    public synchronized void onProgress(String what, long done, long n) {
        begin(what, "images", n, 0);
        update(done);
    }

    private String trainingTask(String model) {
        return (stage.isEmpty() ? "" : stage + " ") + "model " + model + " training";
    }

    /** Units per second, or seconds per unit when a unit takes longer than a second. */
    static String rate(double perSecond, String units) {
        if (perSecond >= 1 || perSecond <= 0) {
            return String.format(Locale.ROOT, "%.1f %s/s", perSecond, units);
        }
        String one = units.endsWith("s") ? units.substring(0, units.length() - 1) : units;
        return String.format(Locale.ROOT, "%.1f s/%s", 1 / perSecond, one);
    }

    private static String cut(String s) {
        return s.length() <= 44 ? s : s.substring(0, 43) + "…";
    }

    static String clock(double secs) {
        long s = Math.round(secs);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
