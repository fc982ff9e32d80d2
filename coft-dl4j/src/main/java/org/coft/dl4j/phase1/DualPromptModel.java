package org.coft.dl4j.phase1;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.exec.GradientPlans;
import org.coft.clip.exec.PlanCache;
import org.coft.dl4j.layers.DualPromptHead;
import org.coft.dl4j.layers.FeatureAdapter;
import org.coft.dl4j.layers.PromptLearner;
import org.coft.dl4j.layers.VisualPrompts;
import org.coft.dl4j.train.SeedStream;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One Phase I model: positive (and, for CoFT, negative) learnable text context plus a visual module, over a
 * frozen CLIP, as one SameDiff graph built from the layers in {@code org.coft.dl4j.layers}. Its trainable
 * parameters are named {@value #CTX_POS}, {@value #CTX_NEG}, {@value #VPT}, {@value #VPT_DEEP} and the adapter's.
 *
 * <p>Input: image features [batch, embed] of the frozen tower ({@link VisualModule#NONE}, {@code ADAPTER}) or
 * preprocessed pixels ({@code VPT_*}); see {@link #inputIsPixels()}.
 */
public final class DualPromptModel {
    public static final String CTX_POS = "ctx_pos";
    public static final String CTX_NEG = "ctx_neg";
    public static final String VPT = "vpt";
    public static final String VPT_DEEP = "vpt_deep";
    public static final String ADAPTER = "adapter";
    /** Name of the positive prompts' class text features [classes, embed] in the graph. */
    public static final String TEXT_POS = "text_pos";
    static final String FEATURES = "features";
    static final String LABELS = "labels";
    static final String COMPLEMENT = "complement";

    private final SameDiff sd;
    private final PhaseOneConfig config;
    private final List<String> classNames;
    private final String input;
    private final List<String> params;
    private final double logitScale;
    private final double tau;
    private GradientPlans stepPlans;
    private PlanCache scorePlans;

    private DualPromptModel(SameDiff sd, PhaseOneConfig config, List<String> classNames, String input,
                            List<String> params, double logitScale, double tau) {
        this.sd = sd;
        this.config = config;
        this.classNames = List.copyOf(classNames);
        this.input = input;
        this.params = List.copyOf(params);
        this.logitScale = logitScale;
        this.tau = tau;
    }

    /**
     * Builds a model with parameters initialised from {@code initSeed} (two models with different seeds are
     * CoFT's two independently initialised CLIP copies).
     */
    public static DualPromptModel create(ClipBackbone backbone, List<String> classNames, PhaseOneConfig config,
                                         long initSeed) {
        return build(backbone, classNames, config, initialValues(backbone, classNames, config, initSeed));
    }

    /** Initial parameter values for a seed (what {@link #create} starts from). */
    public static Map<String, INDArray> initialValues(ClipBackbone backbone, List<String> classNames,
                                                      PhaseOneConfig config, long initSeed) {
        int m = config.contextInit().isEmpty() ? config.contextTokens()
                : PromptLearner.phraseTokens(backbone.requirePrompted(), config.contextInit());
        PromptLearner pl = PromptLearner.create(backbone.requirePrompted(), classNames, m);
        Map<String, INDArray> v = new LinkedHashMap<>();
        v.put(CTX_POS, config.contextInit().isEmpty()
                ? pl.randomContext(SeedStream.CTX_POS.of(initSeed), config.contextStd())
                : pl.phraseContext(config.contextInit()));
        if (config.negativePrompt()) {
            v.put(CTX_NEG, pl.randomContext(SeedStream.CTX_NEG.of(initSeed), config.contextStd()));
        }
        switch (config.visual()) {
            case VPT_SHALLOW, VPT_DEEP -> {
                INDArray[] p = VisualPrompts.of(requirePrompted(backbone).prompted())
                        .init(SeedStream.VISUAL_PROMPTS.of(initSeed), config.contextStd());
                v.put(VPT, p[0]);
                if (p.length > 1) {
                    v.put(VPT_DEEP, p[1]);
                }
            }
            case ADAPTER -> {
                int dim = backbone.embedDim();
                int hidden = config.adapterHidden() > 0 ? config.adapterHidden() : Math.max(1, dim / 4);
                INDArray[] a = FeatureAdapter.init(dim, hidden, SeedStream.ADAPTER.of(initSeed));
                String[] names = FeatureAdapter.parameterNames(ADAPTER);
                for (int i = 0; i < names.length; i++) {
                    v.put(names[i], a[i]);
                }
            }
            default -> { }
        }
        return v;
    }

    /** Builds the graph with the given parameter values (copied). */
    public static DualPromptModel build(ClipBackbone backbone, List<String> classNames, PhaseOneConfig config,
                                        Map<String, INDArray> values) {
        SameDiff sd = SameDiff.create();
        List<String> params = new ArrayList<>();
        INDArray ctxPos = need(values, CTX_POS);
        PromptLearner pl = PromptLearner.create(backbone.requirePrompted(), classNames, (int) ctxPos.size(0));
        SDVariable pos = sd.var(CTX_POS, ctxPos.dup());
        params.add(CTX_POS);
        SDVariable textPos;
        SDVariable textNeg = null;
        if (config.negativePrompt()) {
            SDVariable neg = sd.var(CTX_NEG, need(values, CTX_NEG).dup());
            params.add(CTX_NEG);
            SDVariable t = pl.textFeatures(sd, "prompts", pos, neg);
            int c = classNames.size();
            textPos = t.get(org.nd4j.autodiff.samediff.SDIndex.interval(0, c), org.nd4j.autodiff.samediff.SDIndex.all());
            textNeg = t.get(org.nd4j.autodiff.samediff.SDIndex.interval(c, 2 * c),
                    org.nd4j.autodiff.samediff.SDIndex.all());
        } else {
            textPos = pl.textFeatures(sd, "prompts", pos);
        }
        // a named side output (not on the loss path): the positive prompts' class features, for export
        sd.identity(TEXT_POS, textPos);
        SDVariable image;
        String input;
        switch (config.visual()) {
            case VPT_SHALLOW, VPT_DEEP -> {
                VisualPrompts vp = VisualPrompts.of(requirePrompted(backbone).prompted());
                List<SDVariable> pv = new ArrayList<>();
                pv.add(sd.var(VPT, need(values, VPT).dup()));
                params.add(VPT);
                if (vp.deep()) {
                    pv.add(sd.var(VPT_DEEP, need(values, VPT_DEEP).dup()));
                    params.add(VPT_DEEP);
                }
                VisualPrompts.Image img = vp.define(sd, "vision", pv.toArray(new SDVariable[0]));
                image = img.features();
                input = img.pixelInput();
            }
            case ADAPTER -> {
                int dim = backbone.embedDim();
                SDVariable f = sd.placeHolder(FEATURES, DataType.FLOAT, -1, dim);
                String[] names = FeatureAdapter.parameterNames(ADAPTER);
                INDArray[] a = new INDArray[names.length];
                for (int i = 0; i < names.length; i++) {
                    a[i] = need(values, names[i]).dup();
                    params.add(names[i]);
                }
                image = FeatureAdapter.define(sd, ADAPTER, f, a);
                input = FEATURES;
            }
            default -> {
                image = sd.placeHolder(FEATURES, DataType.FLOAT, -1, backbone.embedDim());
                input = FEATURES;
            }
        }
        int c = classNames.size();
        SDVariable labels = sd.placeHolder(LABELS, DataType.FLOAT, -1, c);
        SDVariable comp = sd.placeHolder(COMPLEMENT, DataType.FLOAT, -1, c);
        double scale = backbone.plain().logitScale();
        double tau = config.tau() > 0 ? config.tau() : 1.0 / scale;
        SDVariable loss = DualPromptHead.define(sd, image, textPos, textNeg, labels, comp, scale, tau, config.lambda(),
                config.l2ToVisual());
        sd.setLossVariables(loss);
        return new DualPromptModel(sd, config, classNames, input, params, scale, tau);
    }

    private static ClipBackbone requirePrompted(ClipBackbone b) {
        if (!b.requirePrompted().vision().graph().inputNames().contains(org.coft.clip.model.ClipModel.VISUAL_PROMPTS_INPUT)) {
            throw new IllegalArgumentException("visual prompts need the backbone loaded with prompt tokens "
                    + "(ClipBackbone.load with a VPT config)");
        }
        return b;
    }

    private static INDArray need(Map<String, INDArray> values, String name) {
        INDArray a = values.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no value for parameter '" + name + "'; given " + values.keySet());
        }
        return a.castTo(DataType.FLOAT);
    }

    /**
     * Builds {@code sd}'s backward graph once. SameDiff M2.1 prints every differentiated op to stdout while doing so;
     * stdout is silenced meanwhile so it stays out of user output.
     */
    public static void createGradFunctionQuietly(SameDiff sd) {
        org.coft.dl4j.layers.QuietGradients.create(sd);
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public PhaseOneConfig config() {
        return config;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** Whether {@link #score} and training take pixels [batch, 3, H, W] (else frozen image features). */
    public boolean inputIsPixels() {
        return config.visual().needsPixels();
    }

    public double logitScale() {
        return logitScale;
    }

    public double tau() {
        return tau;
    }

    /** Trainable parameter names, in a fixed order. */
    public List<String> parameterNames() {
        return params;
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
     * What one forward/backward gave. The gradient arrays belong to the model's step plan: the next {@code gradients}
     * call overwrites them (copy to keep).
     */
    public record Step(double loss, double l1, double l2, INDArray pCleanOfLabel, Map<String, INDArray> gradients) { }

    /**
     * Loss terms and gradients for one batch (parameters unchanged).
     *
     * @param x          features or pixels of the batch
     * @param labels     one-hot pseudo labels [batch, classes]
     * @param complement one-hot complement labels [batch, classes]
     */
    public Step gradients(INDArray x, INDArray labels, INDArray complement) {
        Map<String, INDArray> ph = Map.of(input, x, LABELS, labels, COMPLEMENT, complement);
        List<String> outs = new ArrayList<>(List.of(DualPromptHead.LOSS, DualPromptHead.L1));
        if (config.negativePrompt()) {
            outs.add(DualPromptHead.L2);
            outs.add(DualPromptHead.P_CLEAN);
        }
        if (sd.getFunction("grad") == null) {
            createGradFunctionQuietly(sd);
        }
        if (stepPlans == null) {
            stepPlans = new GradientPlans(sd, outs, params, 2);
        }
        GradientPlans.Result r = stepPlans.run(ph);
        Map<String, INDArray> o = r.outputs();
        Map<String, INDArray> grads = r.gradients();
        INDArray pLabel = config.negativePrompt() ? o.get(DualPromptHead.P_CLEAN).mul(labels).sum(1) : null;
        return new Step(o.get(DualPromptHead.LOSS).getDouble(0), o.get(DualPromptHead.L1).getDouble(0),
                config.negativePrompt() ? o.get(DualPromptHead.L2).getDouble(0) : 0.0, pLabel, grads);
    }

    /** Frees the static plans (preallocated arrays) of this model's step and scoring; the next call plans again. */
    public void releasePlans() {
        if (stepPlans != null) {
            stepPlans.close();
        }
        if (scorePlans != null) {
            scorePlans.close();
        }
    }

    /**
     * The positive prompts' class text features [classes, embed] (projected, unnormalised): the text side of
     * {@link #score}'s logits, {@code scale · cos(image features, these rows)}. They depend on the learned context
     * only, not on an image.
     */
    public INDArray positiveTextFeatures() {
        return sd.output(Map.of(), TEXT_POS).get(TEXT_POS);
    }

    /** Per-image scores: positive logits, and (CoFT) cosine similarities to both prompts and p_clean. */
    public record Scores(INDArray logits, INDArray sPos, INDArray sNeg, INDArray pClean) { }

    /** Scores one batch of inputs. */
    public Scores score(INDArray x) {
        List<String> outs = new ArrayList<>(List.of(DualPromptHead.LOGITS, DualPromptHead.S_POS));
        if (config.negativePrompt()) {
            outs.add(DualPromptHead.S_NEG);
            outs.add(DualPromptHead.P_CLEAN);
        }
        if (scorePlans == null) {
            scorePlans = new PlanCache(sd, outs, 2);
        }
        Map<String, INDArray> o = scorePlans.output(Map.of(input, x));
        return new Scores(o.get(DualPromptHead.LOGITS), o.get(DualPromptHead.S_POS),
                o.get(DualPromptHead.S_NEG), o.get(DualPromptHead.P_CLEAN));
    }
}
