package org.coft.dl4j.layers;

import java.util.SplittableRandom;
import org.coft.dl4j.train.SeedStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J {@link DataSetPreProcessor} that turns one-hot pseudo labels [batch, C] into what
 * {@link DualPromptOutputLayer} trains on: [batch, 2·C], the pseudo label then a one-hot complement label ŷ drawn
 * uniformly from the other C − 1 classes (CoFT's L2 pushes p_clean(ŷ) down). Draws are a pure function of the seed
 * and the batch's position in the stream ({@code batch} counts the data sets seen; stream
 * {@link SeedStream#COMPLEMENT}, as in CoFT's own Phase I loop, where the batch is the step), so the same seed and
 * data order give the same complements; labels that already have 2·C columns are left as they are (a data set pre-processed
 * twice is unchanged).
 */
public final class ComplementLabels implements DataSetPreProcessor {
    private final int classes;
    private final long seed;
    private long batch;

    /**
     * @param classes C, the number of classes
     * @param seed    seed of the complement draws
     */
    public ComplementLabels(int classes, long seed) {
        if (classes < 2) {
            throw new IllegalArgumentException("classes: " + classes + " (a complement label needs at least 2 classes)");
        }
        this.classes = classes;
        this.seed = seed;
    }

    @Override
    public void preProcess(DataSet ds) {
        INDArray y = ds.getLabels();
        if (y.rank() != 2 || (y.size(1) != classes && y.size(1) != 2L * classes)) {
            throw new IllegalArgumentException("ComplementLabels: labels of shape " + java.util.Arrays.toString(y.shape())
                    + "; expected one-hot pseudo labels [batch, " + classes + "]");
        }
        if (y.size(1) == 2L * classes) {
            return;
        }
        ds.setLabels(withComplement(y, seed, batch++));
    }

    /**
     * [batch, 2·C]: {@code oneHot} then complements drawn with the stream ({@code seed}, {@code batch}); each row of
     * {@code oneHot} must hold exactly one 1.
     */
    public static INDArray withComplement(INDArray oneHot, long seed, long batch) {
        int n = (int) oneHot.size(0);
        int c = (int) oneHot.size(1);
        int[] label = new int[n];
        for (int i = 0; i < n; i++) {
            INDArray row = oneHot.getRow(i);
            int arg = row.argMax().getInt(0);
            if (row.getDouble(arg) != 1.0 || row.sumNumber().doubleValue() != 1.0) {
                throw new IllegalArgumentException("ComplementLabels: row " + i + " of the labels is not one-hot: " + row);
            }
            label[i] = arg;
        }
        SplittableRandom r = new SplittableRandom(SeedStream.COMPLEMENT.of(seed, batch));
        INDArray out = Nd4j.zeros(oneHot.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT, n, 2L * c);
        for (int i = 0; i < n; i++) {
            out.putScalar(i, label[i], 1.0);
            out.putScalar(i, c + draw(r, label[i], c), 1.0);
        }
        return out;
    }

    /**
     * One complement label: uniform over the {@code classes − 1} classes other than {@code label}, one draw of
     * {@code r} (CoFT's own Phase I loop draws the same way from the same stream, {@link SeedStream#COMPLEMENT} of
     * the model seed and the step).
     */
    public static int draw(SplittableRandom r, int label, int classes) {
        int k = r.nextInt(classes - 1);
        return k >= label ? k + 1 : k;
    }
}
