package org.coft.dl4j.phase1;

import java.nio.file.Path;
import org.coft.clip.model.ClipLoadOptions;
import org.coft.clip.model.ClipModel;
import org.coft.clip.model.ClipModelException;

/**
 * The frozen CLIP a Phase I run adapts: the plain model (text tower, zero-shot, cached image features) and, for
 * visual prompts, the same model directory loaded with prompt inputs in its image tower.
 *
 * @param plain    the model as exported
 * @param prompted the model with P visual prompt tokens, or null when the visual module needs none
 */
public record ClipBackbone(ClipModel plain, ClipModel prompted) {

    /** Loads what {@code config}'s visual module needs from a model directory. */
    public static ClipBackbone load(Path dir, PhaseOneConfig config) throws ClipModelException {
        ClipModel plain = ClipModel.load(dir);
        ClipModel prompted = switch (config.visual()) {
            case VPT_SHALLOW -> ClipModel.load(dir, ClipLoadOptions.shallowPrompts(config.promptTokens()));
            case VPT_DEEP -> ClipModel.load(dir, ClipLoadOptions.deepPrompts(config.promptTokens()));
            default -> null;
        };
        return new ClipBackbone(plain, prompted);
    }

    /** Embedding width of the joint space. */
    public int embedDim() {
        return (int) plain.encodeTexts(java.util.List.of("a")).size(1);
    }
}
