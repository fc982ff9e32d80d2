package org.coft.dl4j.layers;

import java.nio.file.Path;
import java.util.Map;
import org.coft.clip.model.ClipLoadOptions;
import org.coft.clip.model.ClipModel;
import org.coft.clip.model.ClipModelException;
import org.coft.dl4j.train.SeedStream;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link VisualPrompts} as a DL4J layer: preprocessed pixels [batch, 3, H, W] in, projected CLIP image features
 * [batch, embed] out, through the frozen image tower of the model in {@link #getModelDir()} with P learnable prompt
 * tokens after the class token ({@value #VPT}, [P, width]) and, when deep, fresh tokens before every later layer
 * ({@value #VPT_DEEP}, [layers − 1, P, width]). Only the prompts train. Put a {@link DualPromptOutputLayer} on top
 * for CoFT's Phase I model with visual prompts, in a user's own {@code ComputationGraph}.
 *
 * <p>Initialised like CoFT's own Phase I models: a layer with seed s starts where {@code DualPromptModel}'s
 * initSeed s does (stream {@link SeedStream#VISUAL_PROMPTS}). DL4J runs the tower through SameDiff's session (and
 * prints its gradient function's ops once, as M2.1 does for every SameDiff layer), far slower than our own loop's
 * static plans: a building block for users' graphs, not the fast path.
 */
public class VisualPromptLayer extends SameDiffLayer {
    /** Parameter names (DL4J parameter names may not hold '_'). */
    public static final String VPT = "vpt";
    public static final String VPT_DEEP = "vptDeep";

    private String modelDir;
    private int tokens;
    private boolean deep;
    private double std;
    private long seed;
    @org.nd4j.shade.jackson.annotation.JsonIgnore
    private transient ClipModel model;

    /** For DL4J's configuration deserialisation. */
    protected VisualPromptLayer() {
    }

    /**
     * @param modelDir the CLIP model folder
     * @param tokens   P, prompt tokens per layer (at least 1)
     * @param deep     prompts before every layer (VPT-deep) or after the class token only (VPT-shallow)
     * @param std      standard deviation of the initial prompts (&gt; 0)
     * @param seed     seed of the initial prompts
     */
    public VisualPromptLayer(Path modelDir, int tokens, boolean deep, double std, long seed) {
        if (modelDir == null) {
            throw new IllegalArgumentException("modelDir: null (the CLIP model folder whose image tower the layer uses)");
        }
        if (tokens < 1) {
            throw new IllegalArgumentException("tokens: " + tokens + " (expected at least 1)");
        }
        if (!(std > 0)) {
            throw new IllegalArgumentException("std: " + std + " (expected > 0)");
        }
        this.modelDir = modelDir.toString();
        this.tokens = tokens;
        this.deep = deep;
        this.std = std;
        this.seed = seed;
    }

    /** This layer using an already loaded model of {@link #getModelDir()} with the matching visual prompts. */
    public VisualPromptLayer withModel(ClipModel m) {
        this.model = m;
        return this;
    }

    /** The prompted model, loaded on first use. */
    public synchronized ClipModel model() {
        if (model == null) {
            try {
                model = ClipModel.load(Path.of(modelDir), deep ? ClipLoadOptions.deepPrompts(tokens)
                        : ClipLoadOptions.shallowPrompts(tokens));
            } catch (ClipModelException e) {
                throw new IllegalStateException("VisualPromptLayer: cannot load the CLIP model " + modelDir + ": "
                        + e.getMessage(), e);
            }
        }
        return model;
    }

    private VisualPrompts prompts() {
        VisualPrompts vp = VisualPrompts.of(model());
        if (vp.deep() != deep || vp.tokens() != tokens) {
            throw new IllegalStateException("VisualPromptLayer: the model given has " + vp.tokens() + (vp.deep()
                    ? " deep" : " shallow") + " prompt tokens; the layer wants " + tokens + (deep ? " deep" : " shallow"));
        }
        return vp;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> p, SDVariable mask) {
        VisualPrompts vp = prompts();
        SDVariable[] pv = vp.deep() ? new SDVariable[] {p.get(VPT), p.get(VPT_DEEP)} : new SDVariable[] {p.get(VPT)};
        return SameDiffLayerGradients.halveBackward(sd, "vision/dl4j_out", vp.define(sd, "vision", input, pv));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        VisualPrompts vp = prompts();
        params.addWeightParam(VPT, vp.shallowShape());
        if (vp.deep()) {
            params.addWeightParam(VPT_DEEP, vp.deepShape());
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray[] init = prompts().init(SeedStream.VISUAL_PROMPTS.of(seed), std);
        params.get(VPT).assign(init[0]);
        if (deep) {
            params.get(VPT_DEEP).assign(init[1]);
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(model().embedDim());
    }

    /** Pixels go in as they are (NCHW, preprocessed as the model's {@code preprocess()} says): no pre-processor. */
    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
    }

    public String getModelDir() {
        return modelDir;
    }

    public int getTokens() {
        return tokens;
    }

    public boolean isDeep() {
        return deep;
    }

    public double getStd() {
        return std;
    }

    public long getSeed() {
        return seed;
    }
}
