package org.coft.dl4j.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scores of a pass as a Spark DataFrame — {@code id} (string), {@code prediction} (the top class's name),
 * {@code probability} (its score), {@code scores} (every class's score, in class order) and, when given,
 * {@code p_clean} (of the predicted class) — and as Parquet.
 */
public final class ScoreTable {
    /** The table's columns. */
    public static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.StringType, false)
            .add("prediction", DataTypes.StringType, false)
            .add("probability", DataTypes.DoubleType, false)
            .add("scores", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("p_clean", DataTypes.DoubleType, true);

    private ScoreTable() {
    }

    /**
     * @param ids     one per row of {@code scores}
     * @param classes the class names (columns of {@code scores})
     * @param scores  [N, C] (e.g. class probabilities)
     * @param pClean  [N, C] or null
     */
    public static Dataset<Row> of(SparkSession spark, List<String> ids, List<String> classes, INDArray scores,
                                  INDArray pClean) {
        if (scores.rank() != 2 || scores.rows() != ids.size() || scores.columns() != classes.size()) {
            throw new IllegalArgumentException("scores " + java.util.Arrays.toString(scores.shape()) + " for "
                    + ids.size() + " ids and " + classes.size() + " classes");
        }
        double[][] s = scores.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] pc = pClean == null ? null : pClean.castTo(DataType.DOUBLE).toDoubleMatrix();
        List<Row> rows = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            int best = 0;
            for (int c = 1; c < s[i].length; c++) {
                if (s[i][c] > s[i][best]) {
                    best = c;
                }
            }
            Double[] all = new Double[s[i].length];
            for (int c = 0; c < all.length; c++) {
                all[c] = s[i][c];
            }
            rows.add(RowFactory.create(ids.get(i), classes.get(best), s[i][best], all,
                    pc == null ? null : pc[i][best]));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }

    /** Writes the table as Parquet to the folder {@code dir} (replaced if it exists). */
    public static void writeParquet(Dataset<Row> table, Path dir) {
        table.coalesce(1).write().mode(SaveMode.Overwrite).parquet(dir.toAbsolutePath().toString());
    }
}
