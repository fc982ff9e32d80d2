/**
 * Image preprocessing settings that travel with a CLIP model: resize rule, interpolation, crop, mean/std.
 *
 * <p>This package holds configuration only ({@link org.coft.clip.preprocess.PreprocessConfig} and its
 * enums), read from Hugging Face {@code preprocessor_config.json} files or written as JSON. It does no pixel
 * work: decoding, resizing and normalising images live in the {@code datavec-pipelines} module
 * ({@code org.coft.datavec.image}), which depends on this package and nothing else of {@code clip-import}.
 */
package org.coft.clip.preprocess;
