package org.coft.dl4j.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.coft.datavec.source.EvaluationLabels;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.phase1.DualPromptModel;
import org.coft.dl4j.phase2.CollaborativeFilter;
import org.coft.dl4j.phase2.PhaseTwo;

/**
 * How right an adapted model's predictions are, measured against evaluation labels after prediction (what
 * {@code coft eval} and {@code coft demo} report): overall and per-class accuracy with the confusion matrix; for
 * each Phase I model its accuracy and how well its p_clean separates right from wrong own pseudo labels; what the
 * collaborative filter would keep and at which precision; the seeds' accuracy. Pure measurement over arrays and the
 * run's seed file: nothing here feeds back into training.
 */
public final class RunEvaluation {
    /** One Phase I model: accuracy; p_clean AUROC, labels with p_clean &gt; 0.5 and their precision (NaN/0 without a negative prompt). */
    public record ModelReport(String name, double accuracy, boolean hasPClean, double pCleanAuroc, int kept,
                              double keptFraction, double keptPrecision) { }

    /**
     * The filter's effect: cross-model (each model's labels kept by the other's negative prompt) against self
     * (kept by its own), with precisions; {@code summary} is {@link CollaborativeFilter.Result#summary()}.
     */
    public record FilterReport(String summary, int crossKeptA, double crossPrecisionA, int selfKeptA,
                               double selfPrecisionA, double allPrecisionA, int crossKeptB, double crossPrecisionB) { }

    /** The seed pseudo labels' accuracy ({@code count} seeds found among the labelled images). */
    public record SeedReport(int count, double accuracy) { }

    /**
     * @param confusion [true class][predicted class] counts
     * @param filter    null unless two models with negative prompts
     * @param seeds     null when the run has no seed file or none of its seeds is labelled
     */
    public record Report(int images, double accuracy, long[][] confusion, List<ModelReport> models,
                         FilterReport filter, SeedReport seeds) {
        /** Accuracy of true class {@code c} (0 when it has no image). */
        public double classAccuracy(int c) {
            long n = classCount(c);
            return n == 0 ? 0.0 : (double) confusion[c][c] / n;
        }

        /** Images of true class {@code c}. */
        public long classCount(int c) {
            long n = 0;
            for (long v : confusion[c]) {
                n += v;
            }
            return n;
        }

        /** The report of model {@code name} ("A", "B"). */
        public ModelReport model(String name) {
            return models.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("no model '" + name + "' in this report; models: "
                            + models.stream().map(ModelReport::name).toList()));
        }
    }

    private RunEvaluation() {
    }

    /**
     * Measures predictions against labels.
     *
     * @param classes   the run's class names (label order)
     * @param seedsFile the run's {@code seeds.csv} (id, class name, …), or null
     */
    public static Report evaluate(Adaptation.Predictions pred, EvaluationLabels labels, List<String> classes,
                                  Path seedsFile) throws IOException {
        int[] truth = labels.labelsOf(pred.ids());
        int[] predicted = PhaseTwo.argmax(pred.probabilities());
        List<ModelReport> models = new ArrayList<>();
        for (Map.Entry<String, DualPromptModel.Scores> e : pred.scores().entrySet()) {
            models.add(model(e.getKey(), e.getValue(), truth));
        }
        FilterReport filter = pred.scores().size() == 2 && pred.scores().get("A") != null
                && pred.scores().get("A").sNeg() != null
                ? filter(pred.scores().get("A"), pred.scores().get("B"), truth) : null;
        SeedReport seeds = seedsFile == null ? null : seeds(seedsFile, labels, classes);
        return new Report(truth.length, accuracy(truth, predicted), confusion(truth, predicted, classes.size()), models,
                filter, seeds);
    }

    /** [true][predicted] counts over {@code classes} classes. */
    public static long[][] confusion(int[] truth, int[] predicted, int classes) {
        long[][] m = new long[classes][classes];
        for (int i = 0; i < truth.length; i++) {
            m[truth[i]][predicted[i]]++;
        }
        return m;
    }

    private static ModelReport model(String name, DualPromptModel.Scores s, int[] truth) {
        int[] p = PhaseTwo.argmax(s.logits());
        double acc = accuracy(truth, p);
        if (s.pClean() == null) {
            return new ModelReport(name, acc, false, Double.NaN, 0, Double.NaN, Double.NaN);
        }
        double[] score = new double[p.length];
        boolean[] right = new boolean[p.length];
        int kept = 0;
        int keptRight = 0;
        for (int i = 0; i < p.length; i++) {
            score[i] = s.pClean().getDouble(i, p[i]);
            right[i] = p[i] == truth[i];
            if (score[i] > 0.5) {
                kept++;
                keptRight += right[i] ? 1 : 0;
            }
        }
        return new ModelReport(name, acc, true, Auroc.of(score, right), kept, (double) kept / p.length,
                kept == 0 ? 0.0 : (double) keptRight / kept);
    }

    private static FilterReport filter(DualPromptModel.Scores a, DualPromptModel.Scores b, int[] truth) {
        var sa = new CollaborativeFilter.Scores(a.sPos(), a.sNeg());
        var sb = new CollaborativeFilter.Scores(b.sPos(), b.sNeg());
        CollaborativeFilter.Result cross = CollaborativeFilter.filter(sa, sb);
        CollaborativeFilter.Result self = CollaborativeFilter.filter(sa, sa);
        return new FilterReport(cross.summary(), cross.cleanA(), precision(cross.labelsA(), cross.keptByB(), truth),
                self.cleanA(), precision(self.labelsA(), self.keptByB(), truth), precision(cross.labelsA(), null, truth),
                cross.cleanB(), precision(cross.labelsB(), cross.keptByA(), truth));
    }

    /** Precision of the labels {@code kept} (all when null) against the truth; NaN when none is kept. */
    public static double precision(int[] labels, boolean[] kept, int[] truth) {
        return agreement(labels, truth, kept);
    }

    /** Share of rows (where {@code only} is true, or all when null) on which {@code a} and {@code b} agree; NaN for none. */
    public static double agreement(int[] a, int[] b, boolean[] only) {
        int n = 0;
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            if (only == null || only[i]) {
                n++;
                same += a[i] == b[i] ? 1 : 0;
            }
        }
        return n == 0 ? Double.NaN : (double) same / n;
    }

    /** The seeds' accuracy from a run's {@code seeds.csv}; null when the file is absent or no seed is labelled. */
    static SeedReport seeds(Path seeds, EvaluationLabels labels, List<String> classes) throws IOException {
        if (!Files.isRegularFile(seeds)) {
            return null;
        }
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            index.put(classes.get(i), i);
        }
        int n = 0;
        int right = 0;
        List<String> lines = Files.readAllLines(seeds);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.split(",");
            if (f.length < 4 || !labels.contains(f[0]) || !index.containsKey(f[1])) {
                continue;
            }
            n++;
            right += labels.labelOf(f[0]) == index.get(f[1]) ? 1 : 0;
        }
        return n == 0 ? null : new SeedReport(n, (double) right / n);
    }

    /** Share of positions where {@code pred} equals {@code truth}. */
    public static double accuracy(int[] truth, int[] pred) {
        int r = 0;
        for (int i = 0; i < truth.length; i++) {
            r += truth[i] == pred[i] ? 1 : 0;
        }
        return truth.length == 0 ? 0.0 : (double) r / truth.length;
    }
}
