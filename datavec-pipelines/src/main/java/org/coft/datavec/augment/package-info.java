/**
 * Seeded per-sample training augmentations for CoFT's Phase I / Phase II and the contrastive views of CoFT+:
 * random resized crop, horizontal flip, colour jitter ({@link org.coft.datavec.augment.Augmenter}, configured
 * by {@link org.coft.datavec.augment.AugmentationConfig}). They operate on 8-bit RGB images, before
 * normalisation, in the order torchvision applies them; the random generator is supplied per sample by the
 * iterator, so results are reproducible regardless of threading.
 */
package org.coft.datavec.augment;
