/**
 * CoFT's DataVec image pipelines: image sources (folders, CSV manifests, IDX files) with stable example ids,
 * CLIP-faithful preprocessing, augmentation, batching into DL4J iterators, and the bad-input policy.
 *
 * <p>This root package holds what every sub-package shares: the {@link org.coft.datavec.BadInputPolicy},
 * the {@link org.coft.datavec.SkipReport} of inputs left out under {@code SKIP}, and the
 * {@link org.coft.datavec.BadInputException} raised under {@code FAIL}. Sub-packages:
 * {@code image} (decode, resize, crop, normalise: pixels only, no files lists or labels),
 * {@code source} (what examples exist, their ids, and the evaluation-only labels),
 * {@code iterate} (record readers and DL4J iterators that turn a source into batches),
 * {@code augment} (seeded per-sample training augmentations).
 * Nothing here depends on {@code coft-dl4j} or the model importer; only {@code clip-import}'s
 * {@code org.coft.clip.preprocess} configuration is used.
 */
package org.coft.datavec;
