package org.coft.cli.log;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;

/**
 * The {@code coft} command's SLF4J backend. The library logs through SLF4J like any DL4J component; this backend turns
 * the run log (INFO lines of the loggers listed under {@code plain}, e.g. {@code org.coft.dl4j}) into the command's
 * standard output exactly as written — no level, no logger name — and every other enabled line into standard error as
 * {@code LEVEL logger - message}. Levels per logger-name prefix (the longest prefix wins) come from
 * {@code coft-logging.properties} on the class path and from system properties {@code coft.log.level.<prefix>} (e.g.
 * {@code -Dcoft.log.level.org.coft=debug}, {@code -Dcoft.log.level=info} for the default).
 *
 * <p>While the MDC key {@value #RUN_LOG} names a file, the run-log lines of that thread go to the end of that file
 * instead (how {@code coft search} keeps each in-process candidate's log beside its results).
 */
public final class CliLoggerFactory implements ILoggerFactory {
    /** MDC key: a file that receives the current thread's run-log lines instead of standard output. */
    public static final String RUN_LOG = org.coft.dl4j.run.RunLog.MDC_KEY;

    private static final String CONFIG = "coft-logging.properties";
    private static final String PROPERTY = "coft.log.level";

    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private final List<Map.Entry<String, Level>> levels = new ArrayList<>();
    private final Level defaultLevel;
    private final List<String> plain = new ArrayList<>();

    /** Reads the configuration from the class path and the system properties. */
    public CliLoggerFactory() {
        this(loadConfig(), System.getProperties());
    }

    CliLoggerFactory(Properties config, Properties system) {
        Level def = Level.WARN;
        for (String key : config.stringPropertyNames()) {
            if (key.equals("level")) {
                def = Level.parse(config.getProperty(key), CONFIG + ": " + key);
            } else if (key.startsWith("level.")) {
                levels.add(Map.entry(key.substring(6), Level.parse(config.getProperty(key), CONFIG + ": " + key)));
            } else if (key.equals("plain")) {
                for (String p : config.getProperty(key).split(",")) {
                    if (!p.isBlank()) {
                        plain.add(p.trim());
                    }
                }
            }
        }
        for (String key : system.stringPropertyNames()) {
            if (key.equals(PROPERTY)) {
                def = Level.parse(system.getProperty(key), "-D" + key);
            } else if (key.startsWith(PROPERTY + ".")) {
                String prefix = key.substring(PROPERTY.length() + 1);
                levels.removeIf(e -> e.getKey().equals(prefix));
                levels.add(Map.entry(prefix, Level.parse(system.getProperty(key), "-D" + key)));
            }
        }
        levels.sort(Comparator.comparingInt((Map.Entry<String, Level> e) -> e.getKey().length()).reversed());
        defaultLevel = def;
    }

    private static Properties loadConfig() {
        Properties p = new Properties();
        try (InputStream in = CliLoggerFactory.class.getClassLoader().getResourceAsStream(CONFIG)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            System.err.println("WARN " + CliLoggerFactory.class.getName() + " - cannot read " + CONFIG + ": " + e);
        }
        return p;
    }

    @Override
    public Logger getLogger(String name) {
        return loggers.computeIfAbsent(name, n -> new CliLogger(n, levelOf(n), isPlain(n)));
    }

    Level levelOf(String name) {
        for (Map.Entry<String, Level> e : levels) {
            if (matches(name, e.getKey())) {
                return e.getValue();
            }
        }
        return defaultLevel;
    }

    private boolean isPlain(String name) {
        return plain.stream().anyMatch(p -> matches(name, p));
    }

    private static boolean matches(String name, String prefix) {
        return name.equals(prefix) || name.startsWith(prefix + ".");
    }

    /** Log levels, lowest first. */
    enum Level {
        TRACE, DEBUG, INFO, WARN, ERROR, OFF;

        static Level parse(String s, String where) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + " = '" + s + "': expected one of trace, debug, info, warn, "
                        + "error, off", e);
            }
        }
    }
}
