package org.coft.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.EvaluationLabels;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.eval.Auroc;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.DualPromptModel;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.phase2.CollaborativeFilter;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coft eval}: classifies a data source with an adapted model and, when the source has labels, reports
 * accuracy, per-class accuracy, the confusion matrix and — for CoFT — how well each model's p_clean separates
 * its right from its wrong pseudo-labels (AUROC). Labels are read only after prediction.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate an adapted model (from coft adapt) on a data source; last line accuracy=<fraction> "
                + "when the data has labels.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "adapted model folder (written by coft adapt)")
    Path model;

    @Option(names = "--data", required = true, description = "a folder with class sub-folders, a .csv manifest or "
            + "idx:IMAGES,LABELS")
    String data;

    @Option(names = "--base", description = "base CLIP model directory, when it moved since adapt (checked by hash)")
    Path base;

    @Option(names = "--out", description = "predictions CSV (default: none)")
    Path out;

    @Option(names = "--threads", defaultValue = "2", description = "image decoding threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--bad-images", defaultValue = "fail", description = "fail or skip unreadable images")
    String badImages;

    @Override
    public Integer call() throws Exception {
        evaluate(new PrintWriter(System.out, true));
        return 0;
    }

    /**
     * The base model an adapted folder needs, checked by hash ({@code base} when it moved), or null for a
     * self-contained classifier (coft, coft-plus: it carries its image tower, so no base model is read).
     */
    static ClipBackbone backbone(Adaptation.Adapted a, Path base) throws Exception {
        if (a.selfContained()) {
            return null;
        }
        Path dir = base != null ? base : a.embeddedBase() ? EmbeddedModel.extract() : Path.of(a.basePath());
        Adaptation.checkBase(a, dir);
        return a.method() == org.coft.dl4j.adapt.Method.ZERO_SHOT ? ClipBackbone.plainOnly(dir)
                : ClipBackbone.load(dir, a.config(), a.classes());
    }

    /** Writes the report to {@code pw}; returns the accuracy, empty when the data has no labels. */
    Optional<Double> evaluate(PrintWriter pw) throws Exception {
        Adaptation.Adapted a = Adaptation.read(model);
        ClipBackbone backbone = backbone(a, base);
        ClassList cl = ClassList.of(a.classes());
        ImageSource source = ImageSources.open(data, SourceOptions.defaults().withBadInput(BadInputPolicy.parse(badImages))
                .withClasses(cl));
        var images = ImageViews.byFileName(source.images());
        Adaptation.Predictions pred = Adaptation.predict(a, backbone, images,
                new PhaseOne.Options(threads, 256, List.of(new Progress()), pw));
        int[] predicted = argmax(pred.probabilities());
        pw.printf("eval: %s (%s) on %s: %d images%n", a.dir(), a.method().cliName(), data, predicted.length);
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, predictionsCsv(pred, predicted, cl));
            pw.println("predictions: " + out);
        }
        Optional<EvaluationLabels> labels = source.evaluationLabels();
        if (labels.isEmpty()) {
            pw.println("the data has no labels: no accuracy");
            return Optional.empty();
        }
        int[] truth = labels.get().labelsOf(pred.ids());
        for (Map.Entry<String, DualPromptModel.Scores> e : pred.scores().entrySet()) {
            int[] p = argmax(e.getValue().logits());
            pw.printf("model %s: accuracy %.4f%n", e.getKey(), accuracy(truth, p));
            if (e.getValue().pClean() != null) {
                double[] s = new double[p.length];
                boolean[] right = new boolean[p.length];
                int kept = 0;
                int keptRight = 0;
                for (int i = 0; i < p.length; i++) {
                    s[i] = e.getValue().pClean().getDouble(i, p[i]);
                    right[i] = p[i] == truth[i];
                    if (s[i] > 0.5) {
                        kept++;
                        keptRight += right[i] ? 1 : 0;
                    }
                }
                pw.printf("model %s: p_clean AUROC (right vs wrong own pseudo-labels) %.4f; p_clean > 0.5 keeps %d "
                        + "(%.1f %%) at precision %.4f%n", e.getKey(), Auroc.of(s, right), kept,
                        100.0 * kept / p.length, kept == 0 ? 0.0 : (double) keptRight / kept);
            }
        }
        if (pred.scores().size() == 2 && pred.scores().get("A").sNeg() != null) {
            collaborativeFiltering(pred.scores().get("A"), pred.scores().get("B"), truth, pw);
        }
        seedAccuracy(a.dir().resolve(a.selfContained() ? "phase1/seeds.csv" : "seeds.csv"), labels.get(), cl, pw);
        return Optional.of(Evaluation.report(cl, truth, predicted, pw));
    }

    /**
     * What Phase II would train on (measured here only): each model's labels kept by the other model's negative
     * prompt (cross-model) and, for comparison, by its own (self), with their precision against the labels.
     */
    static void collaborativeFiltering(DualPromptModel.Scores a, DualPromptModel.Scores b, int[] truth, PrintWriter pw) {
        var sa = new CollaborativeFilter.Scores(a.sPos(), a.sNeg());
        var sb = new CollaborativeFilter.Scores(b.sPos(), b.sNeg());
        CollaborativeFilter.Result cross = CollaborativeFilter.filter(sa, sb);
        CollaborativeFilter.Result self = CollaborativeFilter.filter(sa, sa);
        pw.println(cross.summary());
        pw.printf("filter A's labels: cross-model keeps %d at precision %.4f; self keeps %d at precision %.4f "
                + "(all: precision %.4f)%n", cross.cleanA(), precision(cross.labelsA(), cross.keptByB(), truth),
                self.cleanA(), precision(self.labelsA(), self.keptByB(), truth),
                precision(cross.labelsA(), null, truth));
        pw.printf("filter B's labels: cross-model keeps %d at precision %.4f%n", cross.cleanB(),
                precision(cross.labelsB(), cross.keptByA(), truth));
    }

    static double precision(int[] labels, boolean[] kept, int[] truth) {
        int n = 0;
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            if (kept == null || kept[i]) {
                n++;
                right += labels[i] == truth[i] ? 1 : 0;
            }
        }
        return n == 0 ? Double.NaN : (double) right / n;
    }

    /** Accuracy of the seed pseudo-labels (measurement only; the seeds were chosen without labels). */
    static void seedAccuracy(Path seeds, EvaluationLabels labels, ClassList cl, PrintWriter pw) throws Exception {
        if (!Files.isRegularFile(seeds)) {
            return;
        }
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < cl.size(); i++) {
            index.put(cl.name(i), i);
        }
        int n = 0;
        int right = 0;
        List<String> lines = new ArrayList<>(Files.readAllLines(seeds));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            if (f.length < 4 || !labels.contains(f[0]) || !index.containsKey(f[1])) {
                continue;
            }
            n++;
            right += labels.labelOf(f[0]) == index.get(f[1]) ? 1 : 0;
        }
        if (n > 0) {
            pw.printf("seed pseudo-labels: %d, accuracy %.4f%n", n, (double) right / n);
        }
    }

    /** {@code id,prediction,probability} rows of predictions (what {@code eval --out} and {@code predict} write). */
    static String predictionsCsv(Adaptation.Predictions pred, int[] predicted, ClassList cl) {
        StringBuilder sb = new StringBuilder("id,prediction,probability\n");
        for (int i = 0; i < predicted.length; i++) {
            sb.append(String.format("%s,%s,%.6f%n", ZeroShotRun.csvField(pred.ids().get(i)),
                    ZeroShotRun.csvField(cl.name(predicted[i])), pred.probabilities().getDouble(i, predicted[i])));
        }
        return sb.toString();
    }

    static int[] argmax(INDArray scores) {
        int[] out = new int[(int) scores.size(0)];
        INDArray am = scores.argMax(1);
        for (int i = 0; i < out.length; i++) {
            out[i] = am.getInt(i);
        }
        return out;
    }

    static double accuracy(int[] truth, int[] pred) {
        int r = 0;
        for (int i = 0; i < truth.length; i++) {
            r += truth[i] == pred[i] ? 1 : 0;
        }
        return (double) r / truth.length;
    }
}
