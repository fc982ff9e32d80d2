package org.coft.dl4j.phase1;

/** The lightweight visual module trained next to the prompts in Phase I. */
public enum VisualModule {
    /** None: prompts only, on cached frozen image features (UPL, CoOp). */
    NONE,
    /** Shallow visual prompt tokens: input of the first encoder layer only. */
    VPT_SHALLOW,
    /** Deep visual prompt tokens: fresh prompts before every encoder layer (the default, as the paper). */
    VPT_DEEP,
    /** Residual feature adapter on cached frozen image features (fast; no image-tower passes while training). */
    ADAPTER;

    /** Whether training needs image-tower passes (pixels) rather than cached features. */
    public boolean needsPixels() {
        return this == VPT_SHALLOW || this == VPT_DEEP;
    }
}
