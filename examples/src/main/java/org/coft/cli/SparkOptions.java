package org.coft.cli;

import java.nio.file.Path;
import java.util.List;
import org.coft.datavec.BadInputPolicy;
import org.coft.dl4j.pass.ImagePass;
import picocli.CommandLine.Option;

/**
 * {@code --spark-master}, {@code --spark-partitions}, {@code --parquet}: the passes over all images (image features,
 * zero-shot and Phase I scores, classifier predictions) on Apache Spark instead of in this JVM, with the same output
 * files byte for byte. Spark starts on first use and stops with {@link #close()}.
 */
final class SparkOptions implements AutoCloseable {
    @Option(names = "--spark-master", description = "run the passes over all images on Spark: local[N], "
            + "local[N,maxFailures], spark://HOST:PORT, yarn, ... (images and the model must be readable by every "
            + "executor; outputs are byte-identical to a run without it)")
    String master;

    @Option(names = "--spark-partitions", defaultValue = "0", description = "partitions per pass (default: Spark's "
            + "default parallelism)")
    int partitions;

    private Object session; // org.apache.spark.sql.SparkSession, typed loosely so that Spark loads only when used

    boolean enabled() {
        return master != null;
    }

    /**
     * The pass over the images of {@code data} (ImagePass.LOCAL without {@code --spark-master}).
     *
     * @param byFileName whether the command orders the source by file name ({@code adapt}, {@code predict})
     */
    ImagePass pass(String data, BadInputPolicy policy, List<String> classes, boolean byFileName) {
        if (!enabled()) {
            return ImagePass.LOCAL;
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("--spark-partitions: " + partitions + " (0 for Spark's default, or more)");
        }
        try {
            return SparkLauncher.pass(this, new org.coft.dl4j.spark.ImageSourceSpec(absolute(data), policy, classes,
                    byFileName));
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("--spark-master needs Spark 3.5 (Scala 2.12) on the class path: run "
                    + "coft.jar (it ships Spark) or spark-submit; missing " + e.getMessage(), e);
        }
    }

    Object session() {
        return session;
    }

    void session(Object s) {
        session = s;
    }

    /** {@code --data} with absolute paths (what executors open). */
    static String absolute(String data) {
        if (data.startsWith("idx:")) {
            StringBuilder sb = new StringBuilder("idx:");
            String[] parts = data.substring(4).split(",");
            for (int i = 0; i < parts.length; i++) {
                sb.append(i == 0 ? "" : ",").append(Path.of(parts[i]).toAbsolutePath().normalize());
            }
            return sb.toString();
        }
        return Path.of(data).toAbsolutePath().normalize().toString();
    }

    @Override
    public void close() {
        if (session != null) {
            SparkLauncher.stop(this);
            session = null;
        }
    }
}
