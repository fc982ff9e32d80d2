package org.coft.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.coft.datavec.source.EvaluationLabels;

/**
 * {@code coft report}: one self-contained HTML page (plots embedded as PNG data) about an adapted run folder —
 * what the run did without labels (predictions per class at every stage, seeds and kept labels per class, the
 * p_clean of kept and rejected labels, clean-set sizes per round, loss curves, time and memory per stage, the
 * config and provenance) and, when evaluation labels are given, how right it was (accuracy per stage and per
 * class, the confusion matrix, p_clean of right and wrong labels). Label-derived panels sit in a section of their
 * own that says where the labels came from; labels are read only here, after the run.
 */
public final class HtmlReport {
    /** The report's file in a run folder (default of {@code coft report}). */
    public static final String FILE = "report.html";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String[][] STAGES = {{"zero_shot", "zero-shot"}, {"phase1", "Phase I"}, {"coft", "CoFT"}};

    private final RunRecords run;
    private final Optional<EvaluationLabels> labels;
    private final String labelSource;
    private final StringBuilder body = new StringBuilder();
    private final List<String> toc = new ArrayList<>();
    private int figures;

    private HtmlReport(RunRecords run, Optional<EvaluationLabels> labels, String labelSource) {
        this.run = run;
        this.labels = labels;
        this.labelSource = labelSource;
    }

    /** What a written report holds. */
    public record Written(Path file, int figures, boolean withLabels, List<String> absent) { }

    /**
     * Writes the report of {@code run} to {@code out} (atomically).
     *
     * @param labels      evaluation labels of the run's images, or empty for the label-free panels only
     * @param labelSource where the labels came from (shown on the page)
     */
    public static Written write(RunRecords run, Optional<EvaluationLabels> labels, String labelSource, Path out)
            throws IOException {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        HtmlReport r = new HtmlReport(run, labels, labelSource);
        String html = r.render();
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".report-", ".tmp");
        try {
            Files.writeString(tmp, html, StandardCharsets.UTF_8);
            Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Written(out, r.figures, labels.isPresent(), run.absent());
    }

    private String render() throws IOException {
        List<String> classes = run.classes();
        JsonNode m = run.manifest();
        section("summary", "Summary");
        table(List.of(List.of("run folder", run.dir().toAbsolutePath().normalize().toString()),
                List.of("method", run.method()), List.of("images", m.path("images").asText("?")),
                List.of("classes", classes.size() + ": " + String.join(", ", classes)),
                List.of("seed", m.path("seed").asText()), List.of("created", m.path("created").asText("?")),
                List.of("Phase II labels", m.path("phase2_labels").asText("—"))));
        labelFree(classes);
        if (labels.isPresent()) {
            withLabels(classes, labels.get());
        } else {
            section("labels", "Evaluation");
            body.append("<p class=\"note\">No evaluation labels were given, so no accuracy is shown. "
                    + "<code>coft report RUN --data FOLDER</code> adds accuracy per stage and per class, the confusion "
                    + "matrix and p_clean of right vs wrong labels.</p>\n");
        }
        timing();
        provenance();
        if (!run.absent().isEmpty()) {
            section("absent", "Not recorded by this run");
            body.append("<p class=\"note\">These records are not in the run folder (another method, or a run made by "
                    + "an older CoFT), so their panels are left out:</p><ul>");
            for (String a : run.absent()) {
                body.append("<li>").append(esc(a)).append("</li>");
            }
            body.append("</ul>\n");
        }
        return page();
    }

    private void labelFree(List<String> classes) throws IOException {
        section("label-free", "What the run did (no labels)");
        List<RunRecords.Row> sp = run.stagePredictions();
        if (!sp.isEmpty()) {
            Map<String, double[]> s = new LinkedHashMap<>();
            for (String[] st : STAGES) {
                s.put(st[1], toDouble(run.countPerClass(sp, st[0])));
            }
            figure("Predicted class counts at each stage (a stage that collapses onto few classes shows here)",
                    Plots.bars("Predictions per class", "class", "images", classes, s, null));
            if (run.check().isEmpty()) {
                List<List<String>> rows = new ArrayList<>();
                rows.add(List.of("stage", "prediction balance (1 = uniform)"));
                for (String[] st : STAGES) {
                    rows.add(List.of(st[1], fmt(run.balance(st[0]))));
                }
                table(rows);
            }
        }
        if (run.check().isPresent()) {
            JsonNode c = run.check().get();
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("stage", "balance", "anchor agreement", "agreement with zero-shot", "verdict"));
            for (JsonNode st : c.path("stages")) {
                rows.add(List.of(st.path("stage").asText(), st.path("balance").asText(),
                        st.path("anchor_agreement").asText(), st.path("agreement_with_zero_shot").asText(),
                        st.path("doubtful").asBoolean() ? "DOUBTFUL: " + st.path("reasons").toString() : "ok"));
            }
            body.append("<h3>Label-free check</h3><p class=\"note\">").append(esc(c.path("rule").asText()))
                    .append("</p>\n");
            table(rows);
        }
        Map<String, double[]> perClass = new LinkedHashMap<>();
        if (!run.seeds().isEmpty()) {
            perClass.put("seeds (zero-shot top-K)", toDouble(run.countPerClass(run.seeds(), "pseudo_label")));
        }
        for (Map.Entry<String, Map<String, String>> e : run.phase2Labels().entrySet()) {
            int[] n = new int[classes.size()];
            Map<String, Integer> idx = run.classIndex();
            for (String v : e.getValue().values()) {
                if (!v.isEmpty()) {
                    n[idx.get(v)]++;
                }
            }
            perClass.put("kept for Phase II network " + e.getKey(), toDouble(n));
        }
        if (!perClass.isEmpty()) {
            figure("Seeds and the labels the filter kept, per class", Plots.bars("Seeds and kept labels per class",
                    "class", "images", classes, perClass, null));
        }
        List<RunRecords.Row> f = run.filter();
        if (!f.isEmpty()) {
            for (String[] who : new String[][] {{"a", "b"}, {"b", "a"}}) {
                String col = "pclean_" + who[1] + "_of_" + who[0];
                Map<String, double[]> h = new LinkedHashMap<>();
                h.put("kept", values(f, col, "kept_" + who[0], "true"));
                h.put("rejected", values(f, col, "kept_" + who[0], "false"));
                String A = who[0].toUpperCase(Locale.ROOT);
                String B = who[1].toUpperCase(Locale.ROOT);
                figure("p_clean that model " + B + " gives model " + A + "'s labels, kept vs rejected",
                        Plots.histograms("p_clean of " + A + "'s labels (checked by " + B + ")", "p_clean", h, 20));
            }
        }
        rounds();
        losses();
    }

    private void rounds() throws IOException {
        List<String> names = new ArrayList<>();
        List<double[]> v = new ArrayList<>();
        for (JsonNode s : run.trace().map(t -> t.path("sessions")).orElse(JSON.createArrayNode())) {
            for (JsonNode r : s.path("rounds")) {
                names.add("round " + r.path("round").asInt() + (run.trace().get().path("sessions").size() > 1
                        ? " (session " + s.path("session").asInt() + ")" : ""));
                v.add(new double[] {r.path("kept_a").asDouble(), r.path("kept_b").asDouble(),
                    r.path("both_kept_agreeing").asDouble()});
            }
        }
        if (names.isEmpty()) {
            return;
        }
        Map<String, double[]> s = new LinkedHashMap<>();
        String[] series = {"A's labels kept", "B's labels kept", "both kept, agreeing"};
        for (int k = 0; k < series.length; k++) {
            double[] col = new double[names.size()];
            for (int i = 0; i < col.length; i++) {
                col[i] = v.get(i)[k];
            }
            s.put(series[k], col);
        }
        figure("Clean-set sizes after each Phase I round", Plots.bars("Clean sets per round", "round", "images",
                names, s, null));
    }

    private void losses() throws IOException {
        List<RunRecords.Row> h = run.history();
        if (h.isEmpty()) {
            return;
        }
        Map<String, Map<String, List<double[]>>> byPhase = new LinkedHashMap<>();
        for (RunRecords.Row r : h) {
            String stage = r.get("stage");
            String phase = stage.startsWith("phase II") ? "Phase II" : "Phase I";
            String key = "model " + r.get("model") + (stage.startsWith("phase I round") && !stage.startsWith(
                    "phase I round 1") ? " (" + stage.replace("phase I ", "") + ")" : "");
            byPhase.computeIfAbsent(phase, k -> new LinkedHashMap<>()).computeIfAbsent(key, k -> new ArrayList<>())
                    .add(new double[] {r.number("step"), r.number("loss")});
        }
        for (Map.Entry<String, Map<String, List<double[]>>> e : byPhase.entrySet()) {
            Map<String, double[][]> series = new LinkedHashMap<>();
            for (Map.Entry<String, List<double[]>> s : e.getValue().entrySet()) {
                double[][] xy = new double[2][s.getValue().size()];
                for (int i = 0; i < xy[0].length; i++) {
                    xy[0][i] = s.getValue().get(i)[0];
                    xy[1][i] = s.getValue().get(i)[1];
                }
                series.put(s.getKey(), xy);
            }
            figure(e.getKey() + " training loss of every model, per step", Plots.lines(e.getKey() + " loss", "step",
                    "loss", series));
        }
    }

    private void withLabels(List<String> classes, EvaluationLabels l) throws IOException {
        section("labels", "Evaluation (labels from " + labelSource + ")");
        body.append("<p class=\"note\">The panels in this section use evaluation labels (read from ")
                .append(esc(labelSource)).append(" by the report, after the run); the run itself never read them."
                        + "</p>\n");
        int n = classes.size();
        List<RunRecords.Row> sp = run.stagePredictions();
        Map<String, Integer> idx = run.classIndex();
        if (!sp.isEmpty()) {
            int[] truth = l.labelsOf(sp.stream().map(r -> r.get("id")).toList());
            double[] overall = new double[STAGES.length];
            Map<String, double[]> perClass = new LinkedHashMap<>();
            int[][] confusion = new int[n][n];
            for (int s = 0; s < STAGES.length; s++) {
                int[] right = new int[n];
                int[] total = new int[n];
                for (int i = 0; i < truth.length; i++) {
                    int p = idx.get(sp.get(i).get(STAGES[s][0]));
                    total[truth[i]]++;
                    right[truth[i]] += p == truth[i] ? 1 : 0;
                    overall[s] += p == truth[i] ? 1 : 0;
                    if (s == STAGES.length - 1) {
                        confusion[truth[i]][p]++;
                    }
                }
                overall[s] /= truth.length;
                double[] acc = new double[n];
                for (int k = 0; k < n; k++) {
                    acc[k] = total[k] == 0 ? 0 : (double) right[k] / total[k];
                }
                perClass.put(STAGES[s][1], acc);
            }
            List<String> names = java.util.Arrays.stream(STAGES).map(s -> s[1]).toList();
            figure("Accuracy per stage on " + truth.length + " images", Plots.bars("Accuracy per stage", "stage",
                    "accuracy", names, Map.of("accuracy", overall), 1.0));
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("stage", "accuracy"));
            for (int s = 0; s < STAGES.length; s++) {
                rows.add(List.of(STAGES[s][1], String.format(Locale.ROOT, "%.2f %%", 100 * overall[s])));
            }
            table(rows);
            figure("Accuracy per class at each stage", Plots.bars("Per-class accuracy", "true class", "accuracy",
                    classes, perClass, 1.0));
            figure("Confusion matrix of the CoFT classifier", Plots.confusion("CoFT confusion matrix", classes,
                    confusion));
        }
        List<RunRecords.Row> f = run.filter();
        if (!f.isEmpty()) {
            int[] truth = l.labelsOf(f.stream().map(r -> r.get("id")).toList());
            for (String[] who : new String[][] {{"a", "b"}, {"b", "a"}}) {
                List<Double> right = new ArrayList<>();
                List<Double> wrong = new ArrayList<>();
                for (int i = 0; i < f.size(); i++) {
                    double v = f.get(i).number("pclean_" + who[1] + "_of_" + who[0]);
                    (idx.get(f.get(i).get("label_" + who[0])) == truth[i] ? right : wrong).add(v);
                }
                Map<String, double[]> h = new LinkedHashMap<>();
                h.put("right", right.stream().mapToDouble(Double::doubleValue).toArray());
                h.put("wrong", wrong.stream().mapToDouble(Double::doubleValue).toArray());
                String A = who[0].toUpperCase(Locale.ROOT);
                String B = who[1].toUpperCase(Locale.ROOT);
                figure("p_clean that model " + B + " gives model " + A + "'s labels, right vs wrong",
                        Plots.histograms("p_clean of " + A + "'s labels, right vs wrong", "p_clean", h, 20));
            }
        }
        if (!run.seeds().isEmpty()) {
            int[] right = new int[n];
            int[] total = new int[n];
            int[] truth = l.labelsOf(run.seeds().stream().map(r -> r.get("id")).toList());
            for (int i = 0; i < truth.length; i++) {
                int p = idx.get(run.seeds().get(i).get("pseudo_label"));
                total[p]++;
                right[p] += p == truth[i] ? 1 : 0;
            }
            double[] prec = new double[n];
            for (int k = 0; k < n; k++) {
                prec[k] = total[k] == 0 ? 0 : (double) right[k] / total[k];
            }
            Map<String, double[]> s = new LinkedHashMap<>();
            s.put("seed precision", prec);
            for (Map.Entry<String, Map<String, String>> e : run.phase2Labels().entrySet()) {
                int[] r2 = new int[n];
                int[] t2 = new int[n];
                for (Map.Entry<String, String> x : e.getValue().entrySet()) {
                    if (!x.getValue().isEmpty()) {
                        int p = idx.get(x.getValue());
                        t2[p]++;
                        r2[p] += l.labelOf(x.getKey()) == p ? 1 : 0;
                    }
                }
                double[] pr = new double[n];
                for (int k = 0; k < n; k++) {
                    pr[k] = t2[k] == 0 ? 0 : (double) r2[k] / t2[k];
                }
                s.put("precision of network " + e.getKey() + "'s kept labels", pr);
            }
            figure("Precision of the seeds and of the kept labels, per pseudo-label class",
                    Plots.bars("Seed and kept-label precision", "pseudo-label class", "precision", classes, s, 1.0));
        }
    }

    private void timing() {
        if (run.trace().isEmpty()) {
            return;
        }
        section("time", "Time and memory per stage");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("session", "stage", "seconds", "peak RSS so far (MiB)"));
        for (JsonNode s : run.trace().get().path("sessions")) {
            for (JsonNode st : s.path("stages")) {
                rows.add(List.of(s.path("session").asText(), st.path("stage").asText(), st.path("seconds").asText(),
                        st.path("peak_rss_mib").asText("—")));
            }
        }
        table(rows);
        try {
            List<String> names = new ArrayList<>();
            List<Double> secs = new ArrayList<>();
            JsonNode last = run.trace().get().path("sessions").get(run.trace().get().path("sessions").size() - 1);
            for (JsonNode st : last.path("stages")) {
                names.add(st.path("stage").asText().replaceAll(" \\(.*\\)", ""));
                secs.add(st.path("seconds").asDouble());
            }
            figure("Time per stage (last session)", Plots.bars("Time per stage", "stage", "seconds", names,
                    Map.of("seconds", secs.stream().mapToDouble(Double::doubleValue).toArray()), null));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void provenance() throws IOException {
        JsonNode m = run.manifest();
        section("provenance", "Config and provenance");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("seed", m.path("seed").asText()));
        rows.add(List.of("supervised", m.path("supervised").asText()));
        for (var it = m.path("versions").fields(); it.hasNext(); ) {
            var e = it.next();
            rows.add(List.of("version of " + e.getKey(), e.getValue().asText()));
        }
        rows.add(List.of("base model", m.path("base_model").path("path").asText()));
        for (var it = m.path("base_model").path("sha256").fields(); it.hasNext(); ) {
            var e = it.next();
            rows.add(List.of("sha256 " + e.getKey(), e.getValue().asText()));
        }
        rows.add(List.of("data", m.path("data").path("paths").toString()));
        rows.add(List.of("image ids sha256", m.path("data").path("ids_sha256").asText()));
        table(rows);
        JsonNode cfg = m.has("coft") ? m.get("coft") : m.get("config");
        body.append("<h3>Config</h3><pre>").append(esc(JSON.writeValueAsString(cfg))).append("</pre>\n");
    }

    private String page() {
        StringBuilder p = new StringBuilder();
        p.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>CoFT report — ")
                .append(esc(run.dir().toAbsolutePath().normalize().getFileName() + " (" + run.method() + ")"))
                .append("</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
                        + "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
                        + "text-align:left;vertical-align:top;font-size:0.9em}figure{margin:1.2em 0}"
                        + "figcaption{color:#555;font-size:0.9em}img{max-width:100%}.note{color:#555}"
                        + "pre{background:#f5f5f5;padding:0.6em;overflow:auto;font-size:0.8em}</style>\n</head><body>\n")
                .append("<h1>CoFT report: ").append(esc(run.method())).append(" run</h1>\n<nav><ul>");
        for (String t : toc) {
            p.append(t);
        }
        p.append("</ul></nav>\n").append(body)
                .append("<p id=\"image-check\" class=\"note\">images: not checked (scripts off)</p>\n")
                .append("<script>window.addEventListener('load',function(){var im=document.images,ok=0;"
                        + "for(var i=0;i<im.length;i++){if(im[i].complete&&im[i].naturalWidth>0){ok++;}}"
                        + "document.getElementById('image-check').textContent='images: '+ok+' of '+im.length+"
                        + "' loaded';document.body.setAttribute('data-images-loaded',ok+'/'+im.length);});</script>\n")
                .append("</body></html>\n");
        return p.toString();
    }

    private void section(String id, String title) {
        toc.add("<li><a href=\"#" + id + "\">" + esc(title) + "</a></li>");
        body.append("<h2 id=\"").append(id).append("\">").append(esc(title)).append("</h2>\n");
    }

    private void figure(String caption, byte[] png) {
        figures++;
        body.append("<figure><img alt=\"").append(esc(caption)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\"><figcaption>Figure ").append(figures)
                .append(". ").append(esc(caption)).append("</figcaption></figure>\n");
    }

    private void table(List<List<String>> rows) {
        body.append("<table>");
        for (List<String> r : rows) {
            body.append("<tr>");
            for (String c : r) {
                body.append("<td>").append(esc(c)).append("</td>");
            }
            body.append("</tr>");
        }
        body.append("</table>\n");
    }

    private static double[] values(List<RunRecords.Row> rows, String column, String whereColumn, String equals) {
        return rows.stream().filter(r -> r.get(whereColumn).equals(equals)).mapToDouble(r -> r.number(column))
                .toArray();
    }

    private static double[] toDouble(int[] v) {
        return java.util.Arrays.stream(v).asDoubleStream().toArray();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
