package org.coft.cli.log;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.coft.cli.log.CliLoggerFactory.Level;
import org.slf4j.MDC;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MarkerIgnoringBase;
import org.slf4j.helpers.MessageFormatter;

/** One logger of {@link CliLoggerFactory}: a fixed level; run-log INFO lines plain to standard output. */
final class CliLogger extends MarkerIgnoringBase {
    private static final long serialVersionUID = 1L;

    private final Level level;
    private final boolean plain;

    CliLogger(String name, Level level, boolean plain) {
        this.name = name;
        this.level = level;
        this.plain = plain;
    }

    private boolean on(Level l) {
        return l.compareTo(level) >= 0 && level != Level.OFF;
    }

    private void write(Level l, String msg, Throwable t) {
        if (!on(l)) {
            return;
        }
        if (plain && l == Level.INFO) {
            String file = MDC.get(CliLoggerFactory.RUN_LOG);
            if (file != null) {
                try {
                    Files.writeString(Path.of(file), msg + System.lineSeparator(), StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    return;
                } catch (IOException e) {
                    System.err.println("WARN " + name + " - cannot append to the run log " + file + ": " + e);
                }
            }
            PrintStream out = System.out;
            out.println(msg);
            out.flush();
        } else {
            PrintStream err = System.err;
            err.println(l + " " + name + " - " + msg);
        }
        if (t != null) {
            t.printStackTrace(System.err);
        }
    }

    private void format(Level l, String pattern, Object... args) {
        if (on(l)) {
            FormattingTuple f = MessageFormatter.arrayFormat(pattern, args);
            write(l, f.getMessage(), f.getThrowable());
        }
    }

    @Override public boolean isTraceEnabled() { return on(Level.TRACE); }
    @Override public void trace(String msg) { write(Level.TRACE, msg, null); }
    @Override public void trace(String f, Object a) { format(Level.TRACE, f, a); }
    @Override public void trace(String f, Object a, Object b) { format(Level.TRACE, f, a, b); }
    @Override public void trace(String f, Object... a) { format(Level.TRACE, f, a); }
    @Override public void trace(String msg, Throwable t) { write(Level.TRACE, msg, t); }

    @Override public boolean isDebugEnabled() { return on(Level.DEBUG); }
    @Override public void debug(String msg) { write(Level.DEBUG, msg, null); }
    @Override public void debug(String f, Object a) { format(Level.DEBUG, f, a); }
    @Override public void debug(String f, Object a, Object b) { format(Level.DEBUG, f, a, b); }
    @Override public void debug(String f, Object... a) { format(Level.DEBUG, f, a); }
    @Override public void debug(String msg, Throwable t) { write(Level.DEBUG, msg, t); }

    @Override public boolean isInfoEnabled() { return on(Level.INFO); }
    @Override public void info(String msg) { write(Level.INFO, msg, null); }
    @Override public void info(String f, Object a) { format(Level.INFO, f, a); }
    @Override public void info(String f, Object a, Object b) { format(Level.INFO, f, a, b); }
    @Override public void info(String f, Object... a) { format(Level.INFO, f, a); }
    @Override public void info(String msg, Throwable t) { write(Level.INFO, msg, t); }

    @Override public boolean isWarnEnabled() { return on(Level.WARN); }
    @Override public void warn(String msg) { write(Level.WARN, msg, null); }
    @Override public void warn(String f, Object a) { format(Level.WARN, f, a); }
    @Override public void warn(String f, Object a, Object b) { format(Level.WARN, f, a, b); }
    @Override public void warn(String f, Object... a) { format(Level.WARN, f, a); }
    @Override public void warn(String msg, Throwable t) { write(Level.WARN, msg, t); }

    @Override public boolean isErrorEnabled() { return on(Level.ERROR); }
    @Override public void error(String msg) { write(Level.ERROR, msg, null); }
    @Override public void error(String f, Object a) { format(Level.ERROR, f, a); }
    @Override public void error(String f, Object a, Object b) { format(Level.ERROR, f, a, b); }
    @Override public void error(String f, Object... a) { format(Level.ERROR, f, a); }
    @Override public void error(String msg, Throwable t) { write(Level.ERROR, msg, t); }
}
