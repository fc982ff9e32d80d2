package org.coft.dl4j.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.MDC;

/**
 * Where a run's log lines should go, told to the logging backend through the SLF4J MDC: the library logs its run log
 * through SLF4J (INFO, loggers under {@code org.coft.dl4j}); while {@link #to} is open on a thread, the MDC key
 * {@value #MDC_KEY} names a file for that thread's lines. The {@code coft} command's backend writes them there; with
 * another backend, route on the key (e.g. logback's {@code SiftingAppender}) or ignore it.
 */
public final class RunLog {
    /** The MDC key naming the current thread's run-log file. */
    public static final String MDC_KEY = "coft.runLog";

    private RunLog() {
    }

    /** Sends this thread's run-log lines to {@code file} (created if absent, appended to) until closed. */
    public static MDC.MDCCloseable to(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.createFile(file);
        }
        return MDC.putCloseable(MDC_KEY, file.toAbsolutePath().toString());
    }
}
