package org.coft.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.coft.datavec.source.CsvManifestReader;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.adapt.CoftPipeline;
import org.coft.dl4j.adapt.RunTrace;
import org.coft.dl4j.eval.LabelFreeCheck;
import org.coft.dl4j.phase2.PhaseTwo;
import org.coft.dl4j.run.JsonFiles;
import org.coft.dl4j.run.RunFolder;

/**
 * What an adapted run folder recorded, read back for its report: the manifest, the stage predictions, the filter's
 * p_clean values, seeds, Phase II labels, the trace (times, memory, rounds, losses) and the label-free check. Every
 * file is verified against the folder's ledger first; a record the run did not write (another method, or a run made
 * before it was recorded) is absent and named in {@link #absent()}. No label is read here.
 */
public record RunRecords(Path dir, Adaptation.Adapted adapted, JsonNode manifest, List<String> classes,
                         List<Row> stagePredictions, List<Row> filter, List<Row> seeds,
                         Map<String, Map<String, String>> phase2Labels, List<Row> history, Optional<JsonNode> trace,
                         Optional<JsonNode> check, List<String> absent) {

    /** One CSV row by column name. */
    public record Row(Map<String, String> fields) {
        public String get(String column) {
            String v = fields.get(column);
            if (v == null) {
                throw new IllegalArgumentException("no column '" + column + "' (columns " + fields.keySet() + ")");
            }
            return v;
        }

        public double number(String column) {
            String v = get(column);
            return v.isEmpty() ? Double.NaN : Double.parseDouble(v);
        }
    }

    /**
     * @throws IOException naming the folder when it is not an adapted run, or the file that fails verification or
     *                     does not parse
     */
    public static RunRecords read(Path dir) throws IOException {
        Adaptation.Adapted a = Adaptation.read(dir);
        RunFolder files = RunFolder.of(dir);
        JsonNode manifest = JsonFiles.readObject(dir.resolve(Adaptation.MANIFEST), "the manifest of an adapted model");
        List<String> absent = new ArrayList<>();
        List<Row> stages = csv(files, dir.resolve(Adaptation.STAGES_FILE), absent, "stage predictions");
        List<Row> filter = csv(files, dir.resolve(CoftPipeline.FILTER_FILE), absent, "filter p_clean values");
        Path seedsFile = Files.isRegularFile(dir.resolve(RunFolder.SEEDS)) ? dir.resolve(RunFolder.SEEDS)
                : CoftPipeline.roundDir(dir, 1).resolve(RunFolder.SEEDS);
        List<Row> seeds = csv(files, seedsFile, absent, "seeds");
        Map<String, Map<String, String>> p2 = new LinkedHashMap<>();
        for (Row r : csv(files, dir.resolve(PhaseTwo.LABELS_FILE), absent, "Phase II labels")) {
            for (Map.Entry<String, String> e : r.fields().entrySet()) {
                if (e.getKey().startsWith("label_")) {
                    p2.computeIfAbsent(e.getKey().substring(6).toUpperCase(java.util.Locale.ROOT),
                            k -> new LinkedHashMap<>()).put(r.get("id"), e.getValue());
                }
            }
        }
        List<Row> history = csv(files, dir.resolve(RunTrace.HISTORY), absent, "loss history");
        Optional<JsonNode> trace = json(files, dir.resolve(RunTrace.FILE), absent, "stage times and memory");
        Optional<JsonNode> check = json(files, dir.resolve(Adaptation.CHECK_FILE), absent, "label-free check");
        return new RunRecords(dir, a, manifest, a.classes(), stages, filter, seeds, p2, history, trace, check,
                List.copyOf(absent));
    }

    public String method() {
        return adapted.method().cliName();
    }

    private static List<Row> csv(RunFolder files, Path file, List<String> absent, String what) throws IOException {
        if (!Files.isRegularFile(file)) {
            absent.add(what + " (" + file.getFileName() + ")");
            return List.of();
        }
        Path f = files.recorded(file) ? files.verified(file) : file;
        List<String> lines = Files.readAllLines(f);
        if (lines.isEmpty()) {
            throw new IOException(file + ": empty (expected a CSV header and rows of " + what + ")");
        }
        List<String> header = CsvManifestReader.split(lines.get(0));
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isEmpty()) {
                continue;
            }
            List<String> v = CsvManifestReader.split(lines.get(i));
            if (v == null || v.size() != header.size()) {
                throw new IOException(file + ": line " + (i + 1) + " has " + (v == null ? "an unclosed quote"
                        : v.size() + " fields") + ", expected " + header.size() + " (" + header + ")");
            }
            Map<String, String> m = new LinkedHashMap<>();
            for (int k = 0; k < header.size(); k++) {
                m.put(header.get(k), v.get(k));
            }
            rows.add(new Row(m));
        }
        return List.copyOf(rows);
    }

    private static Optional<JsonNode> json(RunFolder files, Path file, List<String> absent, String what)
            throws IOException {
        if (!Files.isRegularFile(file)) {
            absent.add(what + " (" + file.getFileName() + ")");
            return Optional.empty();
        }
        return Optional.of(JsonFiles.readObject(files.recorded(file) ? files.verified(file) : file, what));
    }

    /** Index of each class name. */
    public Map<String, Integer> classIndex() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            m.put(classes.get(i), i);
        }
        return m;
    }

    /** How many rows name each class in {@code column} (classes in order; unknown names are an error). */
    public int[] countPerClass(List<Row> rows, String column) {
        int[] n = new int[classes.size()];
        Map<String, Integer> idx = classIndex();
        for (Row r : rows) {
            String c = r.get(column);
            if (c.isEmpty()) {
                continue;
            }
            Integer k = idx.get(c);
            if (k == null) {
                throw new IllegalArgumentException(dir + ": column " + column + " names '" + c + "', not a class of "
                        + "this run " + classes);
            }
            n[k]++;
        }
        return n;
    }

    /** Label-free balance of a stage's predictions (as the label-free check computes it). */
    public double balance(String column) {
        int[] pred = new int[stagePredictions.size()];
        Map<String, Integer> idx = classIndex();
        for (int i = 0; i < pred.length; i++) {
            pred[i] = idx.get(stagePredictions.get(i).get(column));
        }
        return LabelFreeCheck.balance(pred, classes.size());
    }
}
