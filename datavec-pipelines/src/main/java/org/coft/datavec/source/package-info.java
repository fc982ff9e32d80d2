/**
 * Image sources: which examples exist, their stable ids, how to load each, and — kept apart — their labels.
 *
 * <p>{@link org.coft.datavec.source.ImageSources} opens a folder, a CSV manifest or IDX files into an
 * {@link org.coft.datavec.source.ImageSource}, which hands out two separate objects:
 * {@link org.coft.datavec.source.UnlabeledImages} for the training path (ids and pixels; the type has no
 * way to reach a label) and, when the source has labels, {@link org.coft.datavec.source.EvaluationLabels}
 * for evaluation code only (id to class index). Code that adapts a model must be given the former only.
 *
 * <p>Bad inputs found while opening (missing, unreadable or unsupported files, images whose header declares more
 * than {@link org.coft.datavec.source.SourceOptions#maxPixels()} pixels, empty class folders, malformed manifest
 * rows, unknown labels, duplicate ids) are handled here by the
 * {@link org.coft.datavec.BadInputPolicy}; no pixel processing happens in this package beyond decoding.
 */
package org.coft.datavec.source;
