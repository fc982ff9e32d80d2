package org.coft.clip.preprocess;

/** How {@link PreprocessConfig} resizes an image before the (optional) center crop. */
public enum ResizeMode {
    /**
     * Scale so that the shorter side equals {@link PreprocessConfig#imageSize()}, keeping the aspect ratio; the
     * longer side becomes {@code floor(imageSize * long / short)} (torchvision {@code Resize(int)} and Hugging
     * Face {@code size: {"shortest_edge": N}}).
     */
    SHORTEST_EDGE,
    /**
     * Scale to exactly {@link PreprocessConfig#resizeHeight()} x {@link PreprocessConfig#resizeWidth()},
     * ignoring the aspect ratio (Hugging Face {@code size: {"height": H, "width": W}}).
     */
    EXACT,
    /** Do not resize (Hugging Face {@code do_resize: false}). */
    NONE
}
