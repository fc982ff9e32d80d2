package org.coft.clip.model;

/**
 * How to load a CLIP model.
 *
 * @param visualPromptTokens number of visual prompt tokens to insert into a ViT image tower (0: none), 0..1024
 * @param deepPrompts        also replace the prompt tokens before every encoder layer after the first (deep
 *                           VPT); requires {@code visualPromptTokens > 0}
 */
public record ClipLoadOptions(int visualPromptTokens, boolean deepPrompts) {
    public ClipLoadOptions {
        if (visualPromptTokens < 0 || visualPromptTokens > 1024) {
            throw new IllegalArgumentException("visualPromptTokens must be in 0..1024, got " + visualPromptTokens);
        }
        if (deepPrompts && visualPromptTokens == 0) {
            throw new IllegalArgumentException("deepPrompts needs visualPromptTokens > 0");
        }
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
