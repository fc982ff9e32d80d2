package org.coft.datavec.source;

import org.coft.datavec.BadInputKind;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a CSV manifest {@code path[,label]}: UTF-8, one example per row, fields optionally double-quoted
 * (RFC 4180, {@code ""} for a quote inside), blank lines ignored. An optional header row names the columns:
 * its first field is {@code path}, {@code file}, {@code filename} or {@code image}, and a {@code label} or
 * {@code class} column, if present, holds labels. Without a header the manifest is labelled when its first
 * row has two fields. Relative paths are resolved against the manifest's folder; the example id is the path
 * as written, normalised, with {@code /} separators.
 */
public final class CsvManifestReader {

    private static final Set<String> PATH_HEADERS = Set.of("path", "file", "filename", "image");
    private static final Set<String> LABEL_HEADERS = Set.of("label", "class");

    private CsvManifestReader() {
    }

    static ImageSource open(Path manifest, SourceOptions options) throws IOException {
        String text;
        try {
            text = Files.readString(manifest, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            // its message is only "Input length = 1"
            throw new IOException(manifest + ": manifest is not valid UTF-8 (" + e + ")", e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        Path base = manifest.toAbsolutePath().getParent();
        List<String> lines = text.lines().toList();
        FileCatalog catalog = new FileCatalog("manifest " + manifest);

        int first = 0;
        while (first < lines.size() && lines.get(first).isBlank()) {
            first++;
        }
        int labelColumn = -1;
        int columns = 0;
        if (first < lines.size()) {
            List<String> head = split(lines.get(first));
            if (head != null && PATH_HEADERS.contains(head.get(0).strip().toLowerCase(Locale.ROOT))) {
                columns = head.size();
                for (int c = 1; c < head.size(); c++) {
                    if (LABEL_HEADERS.contains(head.get(c).strip().toLowerCase(Locale.ROOT))) {
                        labelColumn = c;
                    }
                }
                first++;
            }
        }
        boolean headerSeen = columns > 0;
        boolean labelled = labelColumn >= 0;
        int rows = 0;
        for (int n = first; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank()) {
                continue;
            }
            String where = manifest + ":" + (n + 1);
            List<String> fields = split(line);
            if (fields == null) {
                catalog.sourceProblem(where, BadInputKind.MALFORMED_ENTRY, "unbalanced double quote in row: " + line);
                continue;
            }
            if (!headerSeen && rows == 0) {
                labelled = fields.size() == 2;
                labelColumn = labelled ? 1 : -1;
                columns = fields.size() == 2 ? 2 : 1;
            }
            rows++;
            if (fields.size() != columns) {
                catalog.sourceProblem(where, BadInputKind.MALFORMED_ENTRY, "expected " + columns + " field(s) ("
                        + (labelled ? "path,label" : "path") + "), found " + fields.size() + ": " + line);
                continue;
            }
            String pathField = fields.get(0).strip();
            if (pathField.isEmpty()) {
                catalog.sourceProblem(where, BadInputKind.MALFORMED_ENTRY, "empty path");
                continue;
            }
            String label = labelled ? fields.get(labelColumn).strip() : null;
            if (labelled && label.isEmpty()) {
                catalog.sourceProblem(where, BadInputKind.MALFORMED_ENTRY, "empty label for " + pathField);
                continue;
            }
            Path written;
            try {
                written = Path.of(pathField).normalize();
            } catch (InvalidPathException e) {
                catalog.sourceProblem(where, BadInputKind.MALFORMED_ENTRY, "invalid path '" + pathField + "': "
                        + e.getReason());
                continue;
            }
            Path file = written.isAbsolute() ? written : base.resolve(written).normalize();
            String id = written.toString().replace(written.getFileSystem().getSeparator(), "/");
            catalog.add(new FileCatalog.Candidate(id, file, label, where + " (" + file + ")"));
        }
        if (rows == 0) {
            catalog.sourceProblem(manifest.toString(), BadInputKind.EMPTY_FOLDER, "manifest lists no images");
        }
        return catalog.build(labelled, options, List.of());
    }

    /**
     * The fields of one CSV row (RFC 4180 quoting: {@code "a,b"}, {@code ""} for a quote inside quotes).
     *
     * @return the fields, or null if a quote is not closed
     */
    public static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cur.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                fields.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        if (quoted) {
            return null;
        }
        fields.add(cur.toString());
        return fields;
    }
}
