package org.coft.dl4j.layers;

import java.util.LinkedHashMap;
import java.util.Map;
import org.coft.clip.model.ClipModel;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Visual prompt tokens (VPT, Jia et al., ECCV 2022) as a SameDiff layer over the frozen CLIP image tower of a model
 * loaded with {@code ClipLoadOptions.shallowPrompts(P)} or {@code deepPrompts(P)}. Shallow: P tokens [P, width]
 * after the class token; deep: additionally fresh tokens before every later layer [layers − 1, P, width].
 * Initialised N(0, std²) with a seeded generator (VPT's paper uses a uniform Xavier range; for CLIP widths both
 * are ≈ 0.02 scale).
 */
public final class VisualPrompts {
    private final ClipModel model;
    private final long[] shallowShape;
    private final long[] deepShape;

    private VisualPrompts(ClipModel model, long[] shallowShape, long[] deepShape) {
        this.model = model;
        this.shallowShape = shallowShape;
        this.deepShape = deepShape;
    }

    /** @param model a model loaded with visual prompts */
    public static VisualPrompts of(ClipModel model) {
        var g = model.vision().graph();
        if (!g.inputNames().contains(ClipModel.VISUAL_PROMPTS_INPUT)) {
            throw new IllegalArgumentException("the image tower of " + model.directory() + " has no visual-prompt input; "
                    + "load it with ClipLoadOptions.shallowPrompts(P) or deepPrompts(P)");
        }
        long[] shallow = shape(g.inputType(ClipModel.VISUAL_PROMPTS_INPUT));
        long[] deep = g.inputNames().contains(ClipModel.VISUAL_PROMPTS_DEEP_INPUT)
                ? shape(g.inputType(ClipModel.VISUAL_PROMPTS_DEEP_INPUT)) : null;
        return new VisualPrompts(model, shallow, deep);
    }

    private static long[] shape(TensorType t) {
        long[] s = new long[t.rank()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.dim(i).value();
        }
        return s;
    }

    public boolean deep() {
        return deepShape != null;
    }

    public int tokens() {
        return (int) shallowShape[0];
    }

    /** Shape of the shallow prompts [P, width]. */
    public long[] shallowShape() {
        return shallowShape.clone();
    }

    /** Shape of the deep prompts [layers − 1, P, width] (deep prompts only). */
    public long[] deepShape() {
        if (!deep()) {
            throw new IllegalStateException("shallow visual prompts have no deep prompt shape");
        }
        return deepShape.clone();
    }

    /** Seeded N(0, std²) initial values: the shallow prompts, then (deep) the later layers' prompts. */
    public INDArray[] init(long seed, double std) {
        INDArray s = PromptLearner.gaussian(shallowShape, seed, std);
        return deep() ? new INDArray[] {s, PromptLearner.gaussian(deepShape, seed ^ 0x5DEECE66DL, std)}
                : new INDArray[] {s};
    }

    /** The image tower added to {@code sd}; its pixel input stays a placeholder named {@link Image#pixelInput()}. */
    public record Image(SDVariable features, String pixelInput) { }

    /**
     * Adds the frozen image tower with these prompts to {@code sd}; returns the projected (unnormalised) image
     * features [batch, embed] and the name of the pixel placeholder.
     *
     * @param prompts the shallow prompt variable, then (deep) the deep one
     */
    public Image define(SameDiff sd, String name, SDVariable... prompts) {
        var defined = model.vision().graph().defineInto(sd, name + "/", inputs(null, prompts), false);
        return new Image(defined.outputs().get(model.vision().output()),
                defined.emitted().inputs().get(model.pixelInput()));
    }

    /**
     * As {@link #define(SameDiff, String, SDVariable...)}, with the tower fed by {@code pixels} (e.g. a DL4J layer's
     * input) instead of a placeholder of its own; returns the projected image features [batch, embed].
     */
    public SDVariable define(SameDiff sd, String name, SDVariable pixels, SDVariable... prompts) {
        var defined = model.vision().graph().defineInto(sd, name + "/", inputs(pixels, prompts), false);
        return defined.outputs().get(model.vision().output());
    }

    private Map<String, SDVariable> inputs(SDVariable pixels, SDVariable[] prompts) {
        if (prompts.length != (deep() ? 2 : 1)) {
            throw new IllegalArgumentException((deep() ? 2 : 1) + " prompt variables expected, got " + prompts.length);
        }
        Map<String, SDVariable> in = new LinkedHashMap<>();
        if (pixels != null) {
            in.put(model.pixelInput(), pixels);
        }
        in.put(ClipModel.VISUAL_PROMPTS_INPUT, prompts[0]);
        if (deep()) {
            in.put(ClipModel.VISUAL_PROMPTS_DEEP_INPUT, prompts[1]);
        }
        return in;
    }
}
