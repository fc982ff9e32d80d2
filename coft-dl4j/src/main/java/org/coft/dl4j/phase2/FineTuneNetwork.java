package org.coft.dl4j.phase2;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.exec.GradientPlans;
import org.coft.clip.exec.PlanCache;
import org.coft.clip.model.ClipModel;
import org.coft.dl4j.layers.DualPromptHead;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * CoFT Phase II's network: the whole CLIP image tower, trainable (its own copy of the weights), and a linear head
 * on the L2-normalised image embedding, {@code logits = s · f̂ Wᵀ + b} with CLIP's logit scale s. The head starts
 * from the class text embeddings (so step 0 is the zero-shot classifier) or at random.
 *
 * <p>Training loss: cross-entropy on pseudo-labelled samples, weighted per sample (weight 0 = no label: rejected
 * samples still take part in the contrastive term), {@code L_FFT = Σ w_i CE_i / Σ w_i}; with CoFT+'s contrastive
 * term {@code L = L_FFT + γ · L_cont} where {@link ContrastiveLoss} compares the embedding of one view (query) with
 * the momentum encoder's embedding of another view (key) and a queue of earlier keys.
 *
 * <p>The graph's inputs are placeholders: pixels [batch, 3, H, W] ({@link #pixelInput()}), {@value #LABELS}
 * [batch, C] one-hot, {@value #WEIGHTS} [batch], and for the contrastive term {@value #KEYS} [batch, E] and
 * {@value #QUEUE} [Q, E].
 */
public final class FineTuneNetwork {
    public static final String HEAD_W = "head/W";
    public static final String HEAD_B = "head/b";
    public static final String LOGITS = "logits";
    public static final String EMBEDS = "embeds";
    /** What the contrastive term compares: the embeddings, or their projection ({@link PhaseTwoConfig.ContrastHead}). */
    public static final String CONTRAST = "contrast_embeds";
    static final String PROJ_W1 = "proj/W1";
    static final String PROJ_B1 = "proj/b1";
    static final String PROJ_W2 = "proj/W2";
    public static final String LOSS = "loss";
    public static final String CE = "loss_ce";
    static final String LABELS = "labels";
    static final String WEIGHTS = "weights";
    static final String KEYS = "keys";
    static final String QUEUE = "queue";
    static final String CE_NORM = "ce_norm";
    static final String CONT_NORM = "cont_norm";
    private static final String PREFIX = "vision/";

    private final SameDiff sd;
    private final String pixelInput;
    private final Map<String, String> towerWeights;
    private final List<String> projection;
    private final List<String> params;
    private final boolean contrastive;
    private final double logitScale;
    /** Static plans of the training step (outputs: loss terms, then the parameters' gradients) and of inference. */
    private GradientPlans stepPlans;
    private final Map<String, PlanCache> forwardPlans = new LinkedHashMap<>();

    private FineTuneNetwork(SameDiff sd, String pixelInput, Map<String, String> towerWeights, List<String> projection,
                            List<String> params, boolean contrastive, double logitScale) {
        this.sd = sd;
        this.pixelInput = pixelInput;
        this.towerWeights = Map.copyOf(towerWeights);
        this.projection = List.copyOf(projection);
        this.params = List.copyOf(params);
        this.contrastive = contrastive;
        this.logitScale = logitScale;
    }

    /**
     * Builds the network over a copy of {@code model}'s image-tower weights.
     *
     * @param head        initial head weights [C, E] (rows are normalised text embeddings, or random)
     * @param gamma       weight γ of the contrastive term; 0 = none (plain CoFT)
     * @param tauCont     temperature τ′ of the contrastive term
     */
    public static FineTuneNetwork create(ClipModel model, INDArray head, double gamma, double tauCont) {
        return create(model, head, gamma, tauCont, null);
    }

    /**
     * As {@link #create(ClipModel, INDArray, double, double)} with a logit adjustment in the loss.
     *
     * @param logitAdjust offsets [C] added to the logits inside the cross-entropy only (logit-adjusted loss, see
     *                    {@link PhaseTwoConfig.Balance#LOGIT_ADJUST}); the network's {@value #LOGITS} stay plain; null
     *                    = none
     */
    public static FineTuneNetwork create(ClipModel model, INDArray head, double gamma, double tauCont,
                                         double[] logitAdjust) {
        return create(model, head, gamma, tauCont, logitAdjust, PhaseTwoConfig.ContrastHead.EMBEDDING, 0);
    }

    /**
     * As {@link #create(ClipModel, INDArray, double, double, double[])} with CoFT+'s contrastive term reading
     * {@code contrastHead}'s output ({@value #CONTRAST}); an {@link PhaseTwoConfig.ContrastHead#MLP MLP} projection
     * starts from weights drawn with {@code seed} (a key network built with the same seed starts equal to it).
     */
    public static FineTuneNetwork create(ClipModel model, INDArray head, double gamma, double tauCont,
                                         double[] logitAdjust, PhaseTwoConfig.ContrastHead contrastHead, long seed) {
        SameDiff sd = SameDiff.create();
        var defined = model.vision().graph().defineInto(sd, PREFIX, Map.of(), true);
        // trainable weights are the network's own copies (the imported model stays as it was)
        Map<String, String> tower = new LinkedHashMap<>(defined.emitted().weights());
        SDVariable embeds = sd.identity(EMBEDS, defined.outputs().get(model.vision().output()));
        String pixels = defined.emitted().inputs().get(model.pixelInput());
        int c = (int) head.size(0);
        SDVariable w = sd.var(HEAD_W, head.castTo(DataType.FLOAT).dup());
        SDVariable b = sd.var(HEAD_B, org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 1, c));
        double scale = model.logitScale();
        SDVariable logits = sd.mmul(DualPromptHead.normalize(embeds), w, false, true, false).mul(scale).add(LOGITS, b);
        SDVariable labels = sd.placeHolder(LABELS, DataType.FLOAT, -1, c);
        SDVariable weights = sd.placeHolder(WEIGHTS, DataType.FLOAT, -1);
        SDVariable lossLogits = logits;
        if (logitAdjust != null) {
            if (logitAdjust.length != c) {
                throw new IllegalArgumentException("logit adjustment has " + logitAdjust.length + " offsets for " + c
                        + " classes");
            }
            float[] adj = new float[c];
            for (int k = 0; k < c; k++) {
                adj[k] = (float) logitAdjust[k];
            }
            lossLogits = logits.add(sd.constant("logit_adjust", org.nd4j.linalg.factory.Nd4j.createFromArray(adj)
                    .reshape(1, c)));
        }
        List<String> projection = new ArrayList<>();
        SDVariable contrast = embeds;
        if (contrastHead == PhaseTwoConfig.ContrastHead.MLP) {
            long e = head.size(1);
            double std = 1.0 / Math.sqrt(e);
            SDVariable w1 = sd.var(PROJ_W1, org.coft.dl4j.layers.PromptLearner.gaussian(new long[] {e, e},
                    org.coft.dl4j.train.SeedStream.MOCO_PROJECTION.of(seed, 0), std));
            SDVariable b1 = sd.var(PROJ_B1, org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 1, e));
            SDVariable w2 = sd.var(PROJ_W2, org.coft.dl4j.layers.PromptLearner.gaussian(new long[] {e, e},
                    org.coft.dl4j.train.SeedStream.MOCO_PROJECTION.of(seed, 1), std));
            contrast = sd.nn().relu(embeds.mmul(w1).add(b1), 0).mmul(w2);
            projection.addAll(List.of(PROJ_W1, PROJ_B1, PROJ_W2));
        }
        contrast = sd.identity(CONTRAST, contrast);
        SDVariable ce = labels.mul(DualPromptHead.logSoftmax(sd, lossLogits)).sum(1).neg();
        // normalisers come from outside so that micro-batches of one batch add up to that batch's exact loss
        SDVariable ceNorm = sd.placeHolder(CE_NORM, DataType.FLOAT, 1);
        SDVariable lce = ce.mul(weights).sum().div(ceNorm).rename(CE);
        SDVariable loss;
        if (gamma > 0) {
            long e = head.size(1);
            SDVariable keys = sd.placeHolder(KEYS, DataType.FLOAT, -1, e);
            SDVariable queue = sd.placeHolder(QUEUE, DataType.FLOAT, -1, e);
            SDVariable contNorm = sd.placeHolder(CONT_NORM, DataType.FLOAT, 1);
            SDVariable cont = ContrastiveLoss.perSample(sd, contrast, keys, queue, tauCont).sum().div(contNorm)
                    .rename(ContrastiveLoss.LOSS);
            loss = lce.add(LOSS, cont.mul(gamma));
        } else {
            loss = lce.add(LOSS, 0.0);
        }
        sd.setLossVariables(loss);
        List<String> params = new ArrayList<>(tower.values());
        params.add(HEAD_W);
        params.add(HEAD_B);
        if (gamma > 0) {
            // trained only where the contrastive term reaches it (a key network follows by EMA, not by gradients)
            params.addAll(projection);
        }
        for (String p : params) {
            if (sd.getVariable(p).getVariableType() != VariableType.VARIABLE) {
                throw new IllegalStateException("parameter " + p + " is not trainable");
            }
        }
        return new FineTuneNetwork(sd, pixels, tower, projection, params, gamma > 0, scale);
    }

    /**
     * Where each image-tower weight of a network built on {@code model} comes from: its SameDiff variable name (as in
     * a saved classifier graph, {@link Classifier#save}) → the ONNX value of {@code model}'s image tower that holds it
     * (an initializer, or the output of layout ops that import folded over one). What an exporter needs to write a
     * fine-tuned tower back into the tower's ONNX file. (Defines a throwaway copy of the tower to read the names.)
     */
    public static Map<String, String> towerWeightSources(ClipModel model) {
        var defined = model.vision().graph().defineInto(SameDiff.create(), PREFIX, Map.of(), true);
        return Map.copyOf(defined.emitted().weightValues());
    }

    public SameDiff sameDiff() {
        return sd;
    }

    /** Name of the pixel placeholder. */
    public String pixelInput() {
        return pixelInput;
    }

    public boolean contrastive() {
        return contrastive;
    }

    public double logitScale() {
        return logitScale;
    }

    /** Width of the image embedding the head reads (the head's second axis). */
    public int embedDim() {
        return (int) sd.getVariable(HEAD_W).getArr().size(1);
    }

    /** Trainable parameter names (tower weights, then the head), in a fixed order. */
    public List<String> parameterNames() {
        return params;
    }

    /** ONNX weight name → SameDiff name of the image tower's weights (what the momentum encoder follows). */
    public Map<String, String> towerWeights() {
        return towerWeights;
    }

    /** The live parameter arrays (updates write into them). */
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String p : params) {
            out.put(p, sd.getVariable(p).getArr());
        }
        return out;
    }

    /**
     * The live arrays the momentum encoder follows: the image tower's weights (by ONNX weight name) and the
     * contrastive projection's (by variable name), i.e. everything between the pixels and {@value #CONTRAST}.
     */
    public Map<String, INDArray> encoderParameters() {
        Map<String, INDArray> out = towerParameters();
        for (String p : projection) {
            out.put(p, sd.getVariable(p).getArr());
        }
        return out;
    }

    /** The live image-tower weight arrays, by ONNX weight name. */
    public Map<String, INDArray> towerParameters() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : towerWeights.entrySet()) {
            out.put(e.getKey(), sd.getVariable(e.getValue()).getArr());
        }
        return out;
    }

    /**
     * What one forward/backward gave: total loss, cross-entropy term, contrastive term, gradients. The gradient arrays
     * belong to the network's step plan: they are overwritten by the next {@code gradients} call (copy to keep).
     */
    public record Step(double loss, double ce, double contrastive, Map<String, INDArray> gradients) { }

    /**
     * Loss terms and gradients for one batch (parameters unchanged).
     *
     * @param keys  the momentum encoder's embeddings of another view [batch, E] (contrastive only, else null)
     * @param queue the queue's keys [Q, E] (contrastive only, else null)
     */
    public Step gradients(INDArray pixels, INDArray labels, INDArray weights, INDArray keys, INDArray queue) {
        return gradients(pixels, labels, weights, keys, queue, Math.max(weights.sumNumber().doubleValue(), 1e-8),
                pixels.size(0));
    }

    /**
     * As {@link #gradients(INDArray, INDArray, INDArray, INDArray, INDArray)} for a micro-batch of a larger batch: the
     * cross-entropy sum is divided by {@code ceNorm} (the whole batch's total weight) and the contrastive sum by
     * {@code contNorm} (its size), so the micro-batches' losses and gradients add up to the whole batch's.
     */
    public Step gradients(INDArray pixels, INDArray labels, INDArray weights, INDArray keys, INDArray queue,
                          double ceNorm, double contNorm) {
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(pixelInput, pixels);
        ph.put(LABELS, labels);
        ph.put(WEIGHTS, weights);
        ph.put(CE_NORM, org.nd4j.linalg.factory.Nd4j.createFromArray((float) ceNorm));
        if (contrastive) {
            ph.put(CONT_NORM, org.nd4j.linalg.factory.Nd4j.createFromArray((float) contNorm));
        }
        if (contrastive) {
            if (keys == null || queue == null) {
                throw new IllegalArgumentException("the contrastive network needs keys and a queue");
            }
            ph.put(KEYS, keys);
            ph.put(QUEUE, queue);
        }
        if (sd.getFunction("grad") == null) {
            org.coft.dl4j.phase1.DualPromptModel.createGradFunctionQuietly(sd);
        }
        List<String> outs = new ArrayList<>(List.of(LOSS, CE));
        if (contrastive) {
            outs.add(ContrastiveLoss.LOSS);
        }
        if (stepPlans == null) {
            stepPlans = new GradientPlans(sd, outs, params, 3);
        }
        GradientPlans.Result r = stepPlans.run(ph);
        Map<String, INDArray> o = r.outputs();
        Map<String, INDArray> grads = r.gradients();
        return new Step(o.get(LOSS).getDouble(0), o.get(CE).getDouble(0),
                contrastive ? o.get(ContrastiveLoss.LOSS).getDouble(0) : 0.0, grads);
    }

    /** Logits [batch, C] of preprocessed pixels. */
    public INDArray logits(INDArray pixels) {
        return forward(pixels, LOGITS);
    }

    /** Image embeddings [batch, E] (projected, unnormalised) of preprocessed pixels. */
    public INDArray embeds(INDArray pixels) {
        return forward(pixels, EMBEDS);
    }

    /** What the contrastive term compares [batch, E] ({@value #CONTRAST}): the embeddings or their projection. */
    public INDArray contrastEmbeds(INDArray pixels) {
        return forward(pixels, CONTRAST);
    }

    private INDArray forward(INDArray pixels, String output) {
        return forwardPlans.computeIfAbsent(output, k -> new PlanCache(sd, List.of(k), 2))
                .output(Map.of(pixelInput, pixels)).get(output);
    }

    /**
     * Frees the static plans (their preallocated arrays) of this network; the next call plans again. Call it when a
     * network is done training, so that its step's buffers do not stay resident.
     */
    /**
     * Per-op times (ms, calls) of the last training step's plan — forward, backward and loss — run once more op by op;
     * keys are op names, with {@code byShape} followed by their input shapes.
     *
     * @throws IllegalStateException before the first step, or without static plans
     */
    public Map<String, double[]> profileLastStep(boolean byShape) {
        if (stepPlans == null) {
            throw new IllegalStateException("no training step has run yet");
        }
        return stepPlans.profileLast(byShape);
    }

    public void releasePlans() {
        if (stepPlans != null) {
            stepPlans.close();
        }
        forwardPlans.values().forEach(PlanCache::close);
    }
}
