/**
 * The passes over all images on Apache Spark (3.5, Scala 2.12; a {@code provided} dependency: spark-submit brings
 * it on a cluster, the {@code coft} command ships it for local mode): {@code SparkPass} runs any
 * {@code org.coft.dl4j.pass.ImagePass} function with the local pass's batches, so its numbers equal the local ones
 * bit for bit; the model files go to each executor once (a broadcast) and are loaded once per executor JVM
 * ({@code WorkerCache}); images are read by the executors from an {@code ImageSourceSpec} (paths every executor can
 * read). {@code ScoreTable} turns scores into a DataFrame / Parquet. Training stays on one machine.
 */
package org.coft.dl4j.spark;
