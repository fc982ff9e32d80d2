package org.coft.dl4j.layers;

import java.util.List;
import java.util.Map;
import org.coft.dl4j.phase2.ContrastiveLoss;
import org.coft.dl4j.train.SeedStream;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * CoFT+'s momentum-contrast loss (MoCo's InfoNCE, {@link ContrastiveLoss}) as a DL4J output layer: its input is the
 * query features [batch, E] of one augmented view through the network being trained, its labels are the positive
 * keys [batch, E] (the other view through the momentum key encoder; no gradient reaches them), and its one parameter
 * is the queue of negative keys ({@value #QUEUE}, [Q, E], started as random Gaussian keys like CoFT+'s own trainer).
 * The queue is state, not a weight: DL4J's updater leaves it alone (SGD at learning rate 0 — DL4J's {@code NoOp}
 * updater would apply the raw gradient — and no regularisation), and
 * {@link org.coft.dl4j.train.MomentumContrastListener} enqueues each batch's keys after the step and moves the key
 * encoder by EMA — the MoCo loop in DL4J's own {@code fit}. Activations are the L2-normalised queries.
 *
 * <p>The loss is summed over the batch (DL4J divides by the batch size), so updates equal those of the batch-mean
 * loss of CoFT+'s trainer (tested against a plain SameDiff graph).
 */
public class MomentumContrastOutputLayer extends SameDiffOutputLayer {
    /** The queue parameter's name (DL4J keys it as {@code <layer>_queue}). */
    public static final String QUEUE = "queue";
    static final String QUERY = "moco/query";

    private long embed;
    private int queueSize;
    private double tau;
    private long seed;

    /** For DL4J's configuration deserialisation. */
    protected MomentumContrastOutputLayer() {
    }

    private MomentumContrastOutputLayer(long nIn, int queueSize, double tau, long seed) {
        this.embed = nIn;
        this.queueSize = queueSize;
        this.tau = tau;
        this.seed = seed;
    }

    /**
     * @param queueSize negative keys held (CoFT+'s default 1024)
     * @param tau       temperature τ′ (0.07, MoCo v1)
     * @param seed      seed of the initial random queue (CoFT+'s trainer draws it from the same stream)
     * @param nIn       feature width E, or 0 to take it from the input type
     */
    public static MomentumContrastOutputLayer of(int queueSize, double tau, long seed, long nIn) {
        if (queueSize < 1) {
            throw new IllegalArgumentException("queueSize: " + queueSize + " (expected at least 1)");
        }
        if (!(tau > 0)) {
            throw new IllegalArgumentException("tau: " + tau + " (expected > 0)");
        }
        if (nIn < 0) {
            throw new IllegalArgumentException("nIn: " + nIn + " (expected 0 = from the input type, or positive)");
        }
        return new MomentumContrastOutputLayer(nIn, queueSize, tau, seed);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> p) {
        if (labels != null && labels.getShape() != null && labels.getShape().length == 2 && labels.getShape()[1] > 0
                && labels.getShape()[1] != embed) {
            throw new IllegalArgumentException("MomentumContrastOutputLayer: labels have " + labels.getShape()[1]
                    + " columns; expected the positive keys [batch, " + embed + "]");
        }
        SDVariable loss = ContrastiveLoss.perSample(sd, input, labels, p.get(QUEUE), tau).sum();
        sd.identity(QUERY, DualPromptHead.normalize(input));
        loss.markAsLoss(); // DL4J's layer differentiates the graph's loss variables
        QuietGradients.create(sd, input.name());
        return loss;
    }

    @Override
    public String activationsVertexName() {
        return QUERY;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (embed <= 0 || override) {
            embed = ((InputType.InputTypeFeedForward) inputType).getSize();
        }
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        if (embed <= 0) {
            throw new IllegalStateException("MomentumContrastOutputLayer: feature width unknown (give nIn or an input "
                    + "type)");
        }
        params.addWeightParam(QUEUE, queueSize, embed);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get(QUEUE).assign(PromptLearner.gaussian(new long[] {queueSize, embed}, SeedStream.MOCO_QUEUE.of(seed),
                1.0));
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return QUEUE.equals(paramName) ? new Sgd(0.0) : super.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return QUEUE.equals(paramName) ? List.of() : super.getRegularizationByParam(paramName);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(embed);
    }

    /** The feature width E. */
    public long getEmbed() {
        return embed;
    }

    public int getQueueSize() {
        return queueSize;
    }

    public double getTau() {
        return tau;
    }

    public long getSeed() {
        return seed;
    }
}
