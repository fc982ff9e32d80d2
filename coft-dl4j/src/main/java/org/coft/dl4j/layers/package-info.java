/**
 * CoFT's building blocks as SameDiff layers: {@code PromptLearner} (CoOp contexts through the frozen text tower),
 * {@code VisualPrompts}, {@code FeatureAdapter}, {@code DualPromptHead} (s⁺, s⁻, p_clean, L1 + λ·L2), and their
 * DL4J forms for a user's own graph — {@code FeatureAdapterLayer}, {@code DualPromptOutputLayer} with the
 * {@code ComplementLabels} pre-processor. Each defines variables under a name of its own, so several can share a
 * graph. No training loops, no files here.
 */
package org.coft.dl4j.layers;
