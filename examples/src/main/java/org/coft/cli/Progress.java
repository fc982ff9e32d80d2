package org.coft.cli;

/** A one-line progress bar on standard error (only when it is a terminal-like stream; quiet in CI logs). */
final class Progress {
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private final boolean enabled = System.console() != null || Boolean.getBoolean("coft.progress");
    private long done;

    Progress(String label, long total) {
        this.label = label;
        this.total = Math.max(total, 1);
    }

    void advance(long n) {
        done += n;
        if (!enabled) {
            return;
        }
        int width = 30;
        int filled = (int) Math.min(width, width * done / total);
        double secs = (System.nanoTime() - start) / 1e9;
        System.err.printf("\r%s [%s%s] %d/%d  %.1f/s", label, "#".repeat(filled), ".".repeat(width - filled), done, total,
                done / Math.max(secs, 1e-9));
    }

    void done() {
        if (enabled) {
            System.err.println();
        }
    }
}
