/**
 * Turning a source into model input: {@link org.coft.datavec.iterate.ImageBatchIterator} (a DL4J
 * {@code DataSetIterator} of preprocessed, optionally augmented images with their ids as example metadata and
 * no labels; parallel decoding with prefetch), {@link org.coft.datavec.iterate.ImageRecordReader} (the DataVec
 * {@code RecordReader} form), and their evaluation-only labelled wrappers
 * {@link org.coft.datavec.iterate.LabeledImageIterator} / {@link org.coft.datavec.iterate.LabeledRecordReader},
 * which need an {@link org.coft.datavec.source.EvaluationLabels} to be built. Bad inputs met while decoding are
 * handled here by the source's policy.
 */
package org.coft.datavec.iterate;
