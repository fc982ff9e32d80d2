/**
 * Pixel work: decoding image files to 8-bit RGB ({@link org.coft.datavec.image.ImageDecoder}), Pillow-exact
 * resampling ({@link org.coft.datavec.image.PillowResampler}), and CLIP's preprocessing driven by a
 * {@link org.coft.clip.preprocess.PreprocessConfig} ({@link org.coft.datavec.image.ClipImagePreprocessor}).
 *
 * <p>Nothing in this package knows about example ids, labels, file listings or batches.
 */
package org.coft.datavec.image;
