package org.coft.cli;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.coft.dl4j.pass.ImagePass;
import org.coft.dl4j.spark.ImageSourceSpec;
import org.coft.dl4j.spark.ScoreTable;
import org.coft.dl4j.spark.SparkPass;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Where the command touches Spark's classes (loaded only with {@code --spark-master}). */
final class SparkLauncher {
    private SparkLauncher() {
    }

    static SparkSession session(SparkOptions o) {
        if (o.session() == null) {
            SparkConf conf = new SparkConf().setMaster(o.master).setAppName("coft");
            if (o.master.startsWith("local")) {
                // one machine: no web UI, the driver on the loopback interface
                conf.set("spark.ui.enabled", "false").set("spark.driver.host", "localhost")
                        .set("spark.driver.bindAddress", "127.0.0.1");
            }
            o.session(SparkSession.builder().config(conf).getOrCreate());
        }
        return (SparkSession) o.session();
    }

    static ImagePass pass(SparkOptions o, ImageSourceSpec spec) {
        SparkSession s = session(o);
        return new SparkPass(JavaSparkContext.fromSparkContext(s.sparkContext()), spec, o.partitions);
    }

    /** Writes scores as Parquet ({@link ScoreTable}). */
    static void parquet(SparkOptions o, Path dir, List<String> ids, List<String> classes, INDArray scores) {
        ScoreTable.writeParquet(ScoreTable.of(session(o), ids, classes, scores, null), dir);
    }

    static void stop(SparkOptions o) {
        ((SparkSession) o.session()).stop();
    }
}
