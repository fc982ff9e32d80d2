package org.coft.clip.model;

/**
 * How to load a CLIP model.
 *
 * @param visualPromptTokens number of visual prompt tokens to insert into a ViT image tower (0: none), 0..1024
 * @param deepPrompts        also replace the prompt tokens before every encoder layer after the first (deep
 *                           VPT); requires {@code visualPromptTokens > 0}
 * @param textContext        token positions the text tower is imported for (0: the model's full context, e.g. 77).
 *                           A shorter context gives identical features for texts that fit (CLIP's text attention is
 *                           causal and pools at the end-of-text token) and makes prompt learning several times
 *                           faster; longer texts are truncated (end-of-text kept). Needs position embeddings that
 *                           are sliced to the input length, as Hugging Face exports do
 */
public record ClipLoadOptions(int visualPromptTokens, boolean deepPrompts, int textContext)
        implements java.io.Serializable {
    public ClipLoadOptions(int visualPromptTokens, boolean deepPrompts) {
        this(visualPromptTokens, deepPrompts, 0);
    }

    public ClipLoadOptions {
        if (textContext < 0) {
            throw new IllegalArgumentException("textContext must be 0 (full) or positive, got " + textContext);
        }
        if (visualPromptTokens < 0 || visualPromptTokens > 1024) {
            throw new IllegalArgumentException("visualPromptTokens must be in 0..1024, got " + visualPromptTokens);
        }
        if (deepPrompts && visualPromptTokens == 0) {
            throw new IllegalArgumentException("deepPrompts needs visualPromptTokens > 0");
        }
    }

    /** The same options with the text tower imported for {@code tokens} positions (0: full context). */
    public ClipLoadOptions withTextContext(int tokens) {
        return new ClipLoadOptions(visualPromptTokens, deepPrompts, tokens);
    }

    public static ClipLoadOptions defaults() {
        return new ClipLoadOptions(0, false);
    }

    /** Shallow visual prompts: P tokens inserted once, before the first encoder layer. */
    public static ClipLoadOptions shallowPrompts(int tokens) {
        return new ClipLoadOptions(tokens, false);
    }

    /** Deep visual prompts: P tokens inserted, then replaced by fresh prompts before every later layer. */
    public static ClipLoadOptions deepPrompts(int tokens) {
        return new ClipLoadOptions(tokens, true);
    }
}
