package org.coft.dl4j.train;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.coft.dl4j.eval.Auroc;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-epoch statistics of the pseudo labels a model trains on: how many the model's own p_clean calls clean
 * (> 0.5) and their mean p_clean; and — only when an evaluation label source is attached (a function from
 * example id to true class, e.g. {@code EvaluationLabels::labelOf}) — the pseudo labels' true accuracy and the
 * AUROC of p_clean separating right from wrong pseudo labels. The labels are used for measurement here only;
 * nothing flows back into training.
 *
 * <p>Also a DL4J listener for a user's graph with a {@link org.coft.dl4j.layers.DualPromptOutputLayer}
 * ({@link #onLayer}): each step it takes the head's input features (DL4J's forward-pass hook) and one-hot pseudo
 * labels (the head's labels when the gradient is computed), scores them with the head's current contexts, and
 * reports at each epoch's end (label-free: there are no example ids to look labels up by).
 */
public final class PseudoLabelStats extends BaseCoftListener {
    /** One epoch's figures; {@code accuracy} and {@code auroc} are NaN without evaluation labels. */
    public record Epoch(String model, int epoch, int examples, double meanPClean, double fractionClean, double accuracy,
                        double auroc) { }

    private final ToIntFunction<String> evaluationLabels;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PseudoLabelStats.class);

    private final java.util.function.Consumer<String> out;
    private final List<Epoch> epochs = new ArrayList<>();
    private String headLayer;
    private INDArray headInput;
    private int dl4jEpoch;
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

    /**
     * This listener watching the {@code DualPromptOutputLayer} named {@code layer} in a DL4J
     * {@code ComputationGraph} ({@code graph.setListeners(...)}); its epochs are reported under that name.
     */
    public PseudoLabelStats onLayer(String layer) {
        this.headLayer = layer;
        return this;
    }

    private org.deeplearning4j.nn.graph.ComputationGraph headGraph(org.deeplearning4j.nn.api.Model model) {
        if (!(model instanceof org.deeplearning4j.nn.graph.ComputationGraph g)
                || !g.getConfiguration().getVertices().containsKey(headLayer)
                || !(g.getLayer(headLayer).conf().getLayer() instanceof org.coft.dl4j.layers.DualPromptOutputLayer)) {
            throw new IllegalArgumentException("PseudoLabelStats: expected a ComputationGraph with a "
                    + "DualPromptOutputLayer named '" + headLayer + "'");
        }
        return g;
    }

    @Override
    public void onForwardPass(org.deeplearning4j.nn.api.Model model, Map<String, INDArray> activations) {
        if (headLayer == null) {
            return;
        }
        var g = headGraph(model);
        String in = g.getConfiguration().getVertexInputs().get(headLayer).get(0);
        INDArray a = activations.get(in);
        headInput = a == null ? null : a.dup();
    }

    @Override
    public void onGradientCalculation(org.deeplearning4j.nn.api.Model model) {
        if (headLayer == null || headInput == null) {
            return;
        }
        var g = headGraph(model);
        var layer = g.getLayer(headLayer);
        var conf = (org.coft.dl4j.layers.DualPromptOutputLayer) layer.conf().getLayer();
        INDArray y = ((org.deeplearning4j.nn.api.layers.IOutputLayer) layer).getLabels();
        int c = conf.getClassNames().size();
        var scores = conf.scores(headInput, layer.getParam(org.coft.dl4j.layers.DualPromptOutputLayer.CTX_POS),
                layer.getParam(org.coft.dl4j.layers.DualPromptOutputLayer.CTX_NEG));
        INDArray labels = y.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, c)).argMax(1);
        synchronized (this) {
            List<double[]> rows = current.computeIfAbsent(headLayer, k -> new ArrayList<>());
            for (int i = 0; i < labels.length(); i++) {
                rows.add(new double[] {scores.pClean().getDouble(i, labels.getInt(i)), Double.NaN});
            }
        }
        headInput = null;
    }

    @Override
    public void onEpochEnd(org.deeplearning4j.nn.api.Model model) {
        if (headLayer != null) {
            onEpochEnd(headLayer, dl4jEpoch++);
        }
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
