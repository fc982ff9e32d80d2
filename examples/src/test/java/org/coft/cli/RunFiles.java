package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The files of a run folder, and comparing two runs apart from what the clock and the machine's memory write. */
final class RunFiles {
    /** Files that record wall times, dates or peak memory (and the ledger of their hashes). */
    static final List<String> TIMED = List.of("adapted.json", "trace.json", "files.json", "report.html");
    /** The fields of adapted.json that hold them (trace.json and report.html are not compared). */
    static final List<String> TIME_FIELDS = List.of("created", "seconds_this_session", "peak_rss_mib_this_session");
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunFiles() {
    }

    /** Relative path (with /) → file, for every regular file below {@code dir}. */
    static TreeMap<String, Path> list(Path dir) throws IOException {
        TreeMap<String, Path> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString().replace('\\', '/'), p);
            }
        }
        return out;
    }

    /**
     * The JSON files among {@link #TIMED} are equal once their time fields are removed (and the ledger's entries for
     * the timed files themselves).
     */
    static void assertSameApartFromTimes(Path a, Path b) throws IOException {
        for (String f : List.of("adapted.json", "files.json")) {
            if (Files.isRegularFile(a.resolve(f)) || Files.isRegularFile(b.resolve(f))) {
                assertEquals(untimed(a.resolve(f)), untimed(b.resolve(f)), f + " differs apart from times");
            }
        }
    }

    private static JsonNode untimed(Path f) throws IOException {
        JsonNode n = JSON.readTree(f.toFile());
        strip(n);
        if (f.getFileName().toString().equals("files.json") && n.get("files") instanceof ObjectNode files) {
            files.remove(TIMED);
        }
        return n;
    }

    private static void strip(JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.remove(TIME_FIELDS);
            o.forEach(RunFiles::strip);
        } else if (n.isArray()) {
            n.forEach(RunFiles::strip);
        }
    }
}
