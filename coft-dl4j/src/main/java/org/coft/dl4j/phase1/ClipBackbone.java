package org.coft.dl4j.phase1;

import java.nio.file.Path;
import java.util.List;
import org.coft.clip.model.ClipLoadOptions;
import org.coft.clip.model.ClipModel;
import org.coft.clip.model.ClipModelException;
import org.coft.dl4j.layers.PromptLearner;

/**
 * The frozen CLIP a Phase I run adapts, loaded twice from one model directory:
 * <ul>
 *   <li>{@code plain}: as exported (zero-shot with any template, cached image features);</li>
 *   <li>{@code prompted}: what the learnable parts attach to — the text tower imported for just the positions
 *   the class prompts need (identical features, several times faster to train: CLIP's text attention is causal
 *   and pools at the end-of-text token), and the image tower with visual prompt inputs when the config uses VPT.
 *   Null for a zero-shot-only backbone ({@link #plainOnly}).</li>
 * </ul>
 *
 * @param embedDim width of the joint embedding space
 */
public record ClipBackbone(ClipModel plain, ClipModel prompted, int embedDim) {

    /** Loads what {@code config} needs for these classes from a model directory. */
    public static ClipBackbone load(Path dir, PhaseOneConfig config, List<String> classNames) throws ClipModelException {
        ClipModel plain = ClipModel.load(dir);
        int m = config.contextInit().isEmpty() ? config.contextTokens()
                : PromptLearner.phraseTokens(plain, config.contextInit());
        int context = Math.min(plain.contextLength(), PromptLearner.promptLength(plain, classNames, m));
        ClipLoadOptions opts = switch (config.visual()) {
            case VPT_SHALLOW -> ClipLoadOptions.shallowPrompts(config.promptTokens());
            case VPT_DEEP -> ClipLoadOptions.deepPrompts(config.promptTokens());
            default -> ClipLoadOptions.defaults();
        };
        return new ClipBackbone(plain, ClipModel.load(dir, opts.withTextContext(context)), embedDim(plain));
    }

    /** Only the model as exported: enough for zero-shot and frozen features, not for prompt learning. */
    public static ClipBackbone plainOnly(Path dir) throws ClipModelException {
        ClipModel plain = ClipModel.load(dir);
        return new ClipBackbone(plain, null, embedDim(plain));
    }

    private static int embedDim(ClipModel plain) {
        return plain.embedDim();
    }

    /** The prompted model; throws when this backbone was loaded for zero-shot only. */
    public ClipModel requirePrompted() {
        if (prompted == null) {
            throw new IllegalStateException("this backbone was loaded for zero-shot only (ClipBackbone.plainOnly); "
                    + "prompt learning needs ClipBackbone.load with a Phase I config");
        }
        return prompted;
    }
}
