package org.coft.dl4j.layers;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.model.ClipLoadOptions;
import org.coft.clip.model.ClipModel;
import org.coft.clip.model.ClipModelException;
import org.coft.dl4j.train.SeedStream;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * CoFT's dual-prompt head (arXiv 2602.04337, §3.2) as a DL4J output layer, for a {@code ComputationGraph} or
 * {@code MultiLayerNetwork} whose last hidden activations are CLIP image features [batch, embed] (e.g. cached
 * features through a {@link FeatureAdapterLayer}). Its parameters are the positive and the negative learnable text
 * contexts ({@value #CTX_POS}, {@value #CTX_NEG}: [M, text width], CoOp-style, class token last); the frozen CLIP
 * text tower turns them into class text features inside the layer's own SameDiff graph, and the head computes
 * {@code s⁺}, {@code s⁻}, {@code p_clean = sigmoid((s⁺ − s⁻)/τ)} and the loss {@code L1 + λ·L2} of
 * {@link DualPromptHead}.
 *
 * <p><b>Labels</b> are [batch, 2·C]: the one-hot pseudo label, then the one-hot random complement label ŷ that L2
 * needs; {@link ComplementLabels} appends the complement as a DataSet pre-processor, so a user's iterator of
 * one-hot pseudo labels works unchanged. <b>Activations</b> ({@code output()}) are the class probabilities
 * {@code softmax(scale · s⁺)} [batch, C]; {@link #scores} gives s⁺, s⁻ and p_clean from the trained contexts.
 *
 * <p>The loss is summed over the batch: DL4J divides the score and the gradient by the batch size itself, so the
 * updates equal those of the batch-mean loss our own trainer uses (tested against a plain SameDiff graph).
 * The CLIP model is named by its directory ({@link #getModelDir()}), so the configuration round-trips through
 * DL4J's JSON; the model is loaded when the layer is first defined, or given directly with {@link #withModel}.
 */
public class DualPromptOutputLayer extends SameDiffOutputLayer {
    /** Parameter names (DL4J keys them as {@code <layer>_ctxPos}; DL4J parameter names may not hold '_'). */
    public static final String CTX_POS = "ctxPos";
    public static final String CTX_NEG = "ctxNeg";
    /** The layer graph's name of the class probabilities (its activations). */
    static final String PROBABILITIES = "head/probabilities";

    private String modelDir;
    private List<String> classNames;
    private int contextTokens;
    private String contextInit;
    private double contextStd;
    private double tau;
    private double lambda;
    private boolean l2ToVisual;
    private long seed;
    @org.nd4j.shade.jackson.annotation.JsonIgnore
    private transient ClipModel model;

    /** For DL4J's configuration deserialisation. */
    protected DualPromptOutputLayer() {
    }

    private DualPromptOutputLayer(Builder b) {
        this.modelDir = b.modelDir.toString();
        this.classNames = List.copyOf(b.classNames);
        this.contextTokens = b.contextTokens;
        this.contextInit = b.contextInit;
        this.contextStd = b.contextStd;
        this.tau = b.tau;
        this.lambda = b.lambda;
        this.l2ToVisual = b.l2ToVisual;
        this.seed = b.seed;
        this.model = b.model;
    }

    /** A builder for the CLIP model in {@code modelDir} (an exported model folder) and these class names. */
    public static Builder builder(Path modelDir, List<String> classNames) {
        return new Builder(modelDir, classNames);
    }

    /** Settings of the head; each is checked when {@link #build()} is called. */
    public static final class Builder {
        private final Path modelDir;
        private final List<String> classNames;
        private int contextTokens = 4;
        private String contextInit = "a photo of a";
        private double contextStd = 0.02;
        private double tau;
        private double lambda = 1.0;
        private boolean l2ToVisual = true;
        private long seed;
        private ClipModel model;

        private Builder(Path modelDir, List<String> classNames) {
            this.modelDir = modelDir;
            this.classNames = classNames;
        }

        /** M, the context length of both prompts when {@link #contextInit} is empty (default 4). */
        public Builder contextTokens(int m) {
            this.contextTokens = m;
            return this;
        }

        /** The phrase the positive context starts from ("a photo of a", the default; empty: random like the negative). */
        public Builder contextInit(String phrase) {
            this.contextInit = phrase;
            return this;
        }

        /** Standard deviation of the random contexts (default 0.02, CoOp's). */
        public Builder contextStd(double std) {
            this.contextStd = std;
            return this;
        }

        /** τ of p_clean (default 0: 1 / CLIP's logit scale, so p_clean is the sigmoid of the logit difference). */
        public Builder tau(double tau) {
            this.tau = tau;
            return this;
        }

        /** λ, the weight of L2 (default 1). */
        public Builder lambda(double lambda) {
            this.lambda = lambda;
            return this;
        }

        /** Whether L2 reaches the image features (and so the layers below); default true. */
        public Builder l2ToVisual(boolean on) {
            this.l2ToVisual = on;
            return this;
        }

        /** Seed of the random contexts (two heads with different seeds: CoFT's two independently initialised models). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** An already loaded model of {@code modelDir} (not loaded again; not serialised). */
        public Builder model(ClipModel model) {
            this.model = model;
            return this;
        }

        public DualPromptOutputLayer build() {
            if (modelDir == null) {
                throw new IllegalArgumentException("modelDir: null (the CLIP model folder whose text tower the head uses)");
            }
            if (classNames == null || classNames.size() < 2) {
                throw new IllegalArgumentException("classNames: " + classNames + " (expected at least 2 class names)");
            }
            if (contextInit == null) {
                throw new IllegalArgumentException("contextInit: null (a phrase, or \"\" for a random context)");
            }
            if (contextInit.isEmpty() && contextTokens < 1) {
                throw new IllegalArgumentException("contextTokens: " + contextTokens + " (expected at least 1)");
            }
            if (!(contextStd > 0)) {
                throw new IllegalArgumentException("contextStd: " + contextStd + " (expected > 0)");
            }
            if (!(tau >= 0)) {
                throw new IllegalArgumentException("tau: " + tau + " (expected 0 for 1/logit scale, or > 0)");
            }
            if (!(lambda >= 0)) {
                throw new IllegalArgumentException("lambda: " + lambda + " (expected >= 0)");
            }
            return new DualPromptOutputLayer(this);
        }
    }

    /** This configuration using an already loaded model of {@link #getModelDir()} (e.g. shared by two heads). */
    public DualPromptOutputLayer withModel(ClipModel m) {
        this.model = m;
        return this;
    }

    /** The text model, loaded on first use with a text context as long as the prompts need. */
    public synchronized ClipModel model() {
        if (model == null) {
            try {
                // the prompt length comes from the tokenizer alone: the model is loaded once, already trimmed
                org.coft.clip.tokenizer.ClipTokenizer tok = org.coft.clip.tokenizer.ClipTokenizer.fromModelDir(
                        Path.of(modelDir));
                int context = PromptLearner.promptLength(tok, classNames, tokens(tok));
                ClipModel trimmed;
                try {
                    trimmed = ClipModel.load(Path.of(modelDir), ClipLoadOptions.defaults().withTextContext(context));
                } catch (ClipModelException longer) {
                    trimmed = ClipModel.load(Path.of(modelDir)); // prompts longer than the model's context
                }
                model = trimmed;
            } catch (ClipModelException | org.coft.clip.tokenizer.TokenizerFileException e) {
                throw new IllegalStateException("DualPromptOutputLayer: cannot load the CLIP model " + modelDir + ": "
                        + e.getMessage(), e);
            }
        }
        return model;
    }

    /** τ as used: the configured one, or 1 / the model's logit scale when it is 0. */
    public double effectiveTau() {
        return tau > 0 ? tau : 1.0 / model().logitScale();
    }

    private int tokens(org.coft.clip.tokenizer.ClipTokenizer tok) {
        return contextInit.isEmpty() ? contextTokens : PromptLearner.phraseTokens(tok, contextInit);
    }

    private PromptLearner prompts() {
        ClipModel m = model();
        return PromptLearner.create(m, classNames, tokens(m.tokenizer()));
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> p) {
        int c = classNames.size();
        if (labels != null && labels.getShape() != null && labels.getShape().length == 2 && labels.getShape()[1] > 0
                && labels.getShape()[1] != 2L * c) {
            throw new IllegalArgumentException("DualPromptOutputLayer: labels have " + labels.getShape()[1]
                    + " columns; expected 2 x " + c + " = " + 2 * c + " (the one-hot pseudo label, then the one-hot "
                    + "complement label): add ComplementLabels as the iterator's pre-processor");
        }
        SDVariable text = prompts().textFeatures(sd, "prompts", p.get(CTX_POS), p.get(CTX_NEG));
        SDVariable textPos = text.get(SDIndex.interval(0, c), SDIndex.all());
        SDVariable textNeg = text.get(SDIndex.interval(c, 2 * c), SDIndex.all());
        SDVariable y = labels.get(SDIndex.all(), SDIndex.interval(0, c));
        SDVariable comp = labels.get(SDIndex.all(), SDIndex.interval(c, 2 * c));
        SDVariable loss = DualPromptHead.define(sd, "head", input, textPos, textNeg, y, comp, model().logitScale(),
                effectiveTau(), lambda, l2ToVisual, true);
        sd.nn.softmax(PROBABILITIES, sd.getVariable(DualPromptHead.name("head", DualPromptHead.LOGITS)), 1);
        loss.markAsLoss(); // DL4J's layer differentiates the graph's loss variables, which only sd.loss ops mark
        // made here, quietly, DL4J's layer finds it and does not print every op of the text tower's backward pass
        QuietGradients.create(sd, input.name());
        return loss;
    }

    @Override
    public String activationsVertexName() {
        return PROBABILITIES;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        ClipModel m = model();
        int width = m.textWidth();
        params.addWeightParam(CTX_POS, tokens(m.tokenizer()), width);
        params.addWeightParam(CTX_NEG, tokens(m.tokenizer()), width);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        PromptLearner pl = prompts();
        // the streams of CoFT's own Phase I models: a head with seed s starts where DualPromptModel's initSeed s does
        params.get(CTX_POS).assign(contextInit.isEmpty() ? pl.randomContext(SeedStream.CTX_POS.of(seed), contextStd)
                : pl.phraseContext(contextInit));
        params.get(CTX_NEG).assign(pl.randomContext(SeedStream.CTX_NEG.of(seed), contextStd));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(classNames.size());
    }

    /** s⁺, s⁻ [batch, C] and p_clean of every class, for image features through the head's trained contexts. */
    public record Scores(INDArray sPos, INDArray sNeg, INDArray pClean) { }

    /**
     * The head's similarities and p_clean for image features (the layer's input) with the given contexts — those of
     * a trained network: {@code graph.getLayer(name).getParam(CTX_POS)} and {@code CTX_NEG}.
     */
    public Scores scores(INDArray features, INDArray ctxPos, INDArray ctxNeg) {
        Map<String, INDArray> text = textFeatures(ctxPos, ctxNeg);
        INDArray f = ClipModel.normalize(features.castTo(DataType.FLOAT));
        INDArray sPos = f.mmul(ClipModel.normalize(text.get(CTX_POS)).transpose());
        INDArray sNeg = f.mmul(ClipModel.normalize(text.get(CTX_NEG)).transpose());
        return new Scores(sPos, sNeg, Transforms.sigmoid(sPos.sub(sNeg).divi(effectiveTau()), false));
    }

    /** The class text features [C, embed] of both prompts for these contexts (keys {@value #CTX_POS}, {@value #CTX_NEG}). */
    public Map<String, INDArray> textFeatures(INDArray ctxPos, INDArray ctxNeg) {
        int c = classNames.size();
        SameDiff sd = SameDiff.create();
        SDVariable text = prompts().textFeatures(sd, "prompts", sd.constant(CTX_POS, ctxPos.castTo(DataType.FLOAT)),
                sd.constant(CTX_NEG, ctxNeg.castTo(DataType.FLOAT)));
        INDArray t = sd.outputSingle(Map.of(), text.name());
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(CTX_POS, t.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, c),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup());
        out.put(CTX_NEG, t.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(c, 2 * c),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup());
        return out;
    }

    public String getModelDir() {
        return modelDir;
    }

    public List<String> getClassNames() {
        return classNames;
    }

    public int getContextTokens() {
        return contextTokens;
    }

    public String getContextInit() {
        return contextInit;
    }

    public double getContextStd() {
        return contextStd;
    }

    public double getTau() {
        return tau;
    }

    public double getLambda() {
        return lambda;
    }

    public boolean isL2ToVisual() {
        return l2ToVisual;
    }

    public long getSeed() {
        return seed;
    }
}
