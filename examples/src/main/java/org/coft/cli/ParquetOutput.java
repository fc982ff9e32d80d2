package org.coft.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --parquet DIR}: a command's scores also as Parquet, written by Spark (so only with {@code --spark-master}). */
final class ParquetOutput {
    @Option(names = "--parquet", description = "with --spark-master: also write id, prediction, probability and every "
            + "class's probability as Parquet to this folder")
    Path dir;

    /** Refuses {@code --parquet} without {@code --spark-master}, before any work. */
    void check(SparkOptions spark) {
        if (dir != null && !spark.enabled()) {
            throw new IllegalArgumentException("--parquet needs --spark-master (e.g. --spark-master local[2])");
        }
    }
}
