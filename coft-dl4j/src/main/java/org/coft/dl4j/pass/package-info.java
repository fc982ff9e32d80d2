/**
 * Passes over every image of a source — the stages of CoFT that touch all images (frozen image features, Phase I
 * scores, classifier probabilities) and prediction: {@code ImagePass} runs a {@code PassFunction} batch by batch,
 * {@code ImagePass.LOCAL} in this JVM; {@code org.coft.dl4j.spark.SparkPass} on a Spark cluster with the same
 * batches, so with the same numbers. A function's {@code RemoteModel} says how a worker loads the same model from
 * its files ({@code ModelFiles}). Nothing here reads labels or trains.
 */
package org.coft.dl4j.pass;
