package org.coft.dl4j.train;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.coft.dl4j.eval.Auroc;

/**
 * Per-epoch statistics of the pseudo labels a model trains on: how many the model's own p_clean calls clean
 * (> 0.5) and their mean p_clean; and — only when an evaluation label source is attached (a function from
 * example id to true class, e.g. {@code EvaluationLabels::labelOf}) — the pseudo labels' true accuracy and the
 * AUROC of p_clean separating right from wrong pseudo labels. The labels are used for measurement here only;
 * nothing flows back into training.
 */
public final class PseudoLabelStats implements TrainingListener {
    /** One epoch's figures; {@code accuracy} and {@code auroc} are NaN without evaluation labels. */
    public record Epoch(String model, int epoch, int examples, double meanPClean, double fractionClean, double accuracy,
                        double auroc) { }

    private final ToIntFunction<String> evaluationLabels;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PseudoLabelStats.class);

    private final java.util.function.Consumer<String> out;
    private final List<Epoch> epochs = new ArrayList<>();
    private final Map<String, List<double[]>> current = new LinkedHashMap<>();

    /**
     * One line per epoch to SLF4J ({@code org.coft.dl4j.train.PseudoLabelStats}, INFO).
     *
     * @param evaluationLabels id → true class for measurement, or null
     */
    public PseudoLabelStats(ToIntFunction<String> evaluationLabels) {
        this.evaluationLabels = evaluationLabels;
        this.out = LOG::info;
    }

    /**
     * @param evaluationLabels id → true class for measurement, or null
     * @param out              where to print one line per epoch, or null for none
     */
    public PseudoLabelStats(ToIntFunction<String> evaluationLabels, PrintWriter out) {
        this.evaluationLabels = evaluationLabels;
        this.out = out == null ? null : line -> {
            out.println(line);
            out.flush();
        };
    }

    @Override
    public synchronized void onStep(StepInfo s) {
        if (s.pCleanOfLabel() == null) {
            return;
        }
        List<double[]> rows = current.computeIfAbsent(s.model(), k -> new ArrayList<>());
        for (int i = 0; i < s.labels().length; i++) {
            double right = evaluationLabels == null ? Double.NaN
                    : evaluationLabels.applyAsInt(s.exampleIds().get(i)) == s.labels()[i] ? 1 : 0;
            rows.add(new double[] {s.pCleanOfLabel().getDouble(i), right});
        }
    }

    @Override
    public synchronized void onEpochEnd(String model, int epoch) {
        List<double[]> rows = current.remove(model);
        if (rows == null || rows.isEmpty()) {
            return;
        }
        int n = rows.size();
        double sum = 0;
        int clean = 0;
        int right = 0;
        double[] score = new double[n];
        boolean[] ok = new boolean[n];
        for (int i = 0; i < n; i++) {
            double[] r = rows.get(i);
            sum += r[0];
            clean += r[0] > 0.5 ? 1 : 0;
            right += r[1] == 1 ? 1 : 0;
            score[i] = r[0];
            ok[i] = r[1] == 1;
        }
        boolean labelled = evaluationLabels != null;
        Epoch e = new Epoch(model, epoch, n, sum / n, (double) clean / n, labelled ? (double) right / n : Double.NaN,
                labelled ? Auroc.of(score, ok) : Double.NaN);
        epochs.add(e);
        if (out != null) {
            out.accept(String.format("model %s epoch %d: pseudo labels %d, p_clean mean %.3f, called clean %.1f %%%s",
                    model, epoch + 1, n, e.meanPClean(), 100 * e.fractionClean(), labelled ? String.format(
                            "; true accuracy %.1f %%, p_clean AUROC %.3f", 100 * e.accuracy(), e.auroc()) : ""));
        }
    }

    public synchronized List<Epoch> epochs() {
        return List.copyOf(epochs);
    }
}
