package org.coft.dl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.coft.dl4j.layers.PromptLearner;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** CoFT's listeners attached to DL4J's and SameDiff's own fit: the same objects our loops use. */
class ListenersInDl4jTest {
    static ComputationGraph graph() {
        return org.coft.dl4j.layers.FeatureAdapterLayerTest.graph(new Sgd(0.1));
    }

    static DataSet data(boolean nan) {
        INDArray x = PromptLearner.gaussian(new long[] {6, 8}, 5, 1.0);
        if (nan) {
            x.putScalar(2, 3, Float.NaN);
        }
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 3);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 3, 1f);
        }
        return new DataSet(x, y);
    }

    @Test
    void divergenceGuardStopsComputationGraphFitBeforeTheUpdate() {
        ComputationGraph g = graph();
        StringWriter log = new StringWriter();
        g.setListeners(new DivergenceGuard(), new ProgressListener(new PrintWriter(log, true), 2));
        for (int i = 0; i < 4; i++) {
            g.fit(data(false));
        }
        assertTrue(log.toString().contains("ComputationGraph iteration 2 epoch 1 score "), log.toString());
        assertTrue(log.toString().contains("ComputationGraph iteration 4 epoch 1 score "), log.toString());
        INDArray before = g.params().dup();
        DivergenceException e = assertThrows(DivergenceException.class, () -> g.fit(data(true)));
        assertTrue(e.getMessage().contains("ComputationGraph diverged at iteration 4")
                && e.getMessage().contains("the step was not applied"), e.getMessage());
        assertEquals(before, g.params(), "the diverged step must not reach the parameters");
    }

    @Test
    void theListenersAttachToSameDiffFit() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 8);
        SDVariable y = sd.placeHolder("y", DataType.FLOAT, -1, 3);
        SDVariable w = sd.var("w", PromptLearner.gaussian(new long[] {8, 3}, 1, 0.1));
        SDVariable p = sd.nn.softmax("p", x.mmul(w), 1);
        sd.loss.logLoss("loss", y, p);
        sd.setTrainingConfig(TrainingConfig.builder().updater(new Sgd(0.1)).dataSetFeatureMapping("x")
                .dataSetLabelMapping("y").build());
        StringWriter log = new StringWriter();
        sd.addListeners(new DivergenceGuard(), new ProgressListener(new PrintWriter(log, true), 1));
        INDArray w0 = sd.getArrForVarName("w").dup();
        sd.fit(data(false));
        assertTrue(log.toString().contains("SameDiff iteration 1 epoch 1 loss"), log.toString());
        assertNotEquals(w0, sd.getArrForVarName("w"), "a finite step is applied");
        INDArray w1 = sd.getArrForVarName("w").dup();
        DivergenceException e = assertThrows(DivergenceException.class, () -> sd.fit(data(true)));
        assertTrue(e.getMessage().contains("the update of 'w' is not finite"), e.getMessage());
        assertEquals(w1, sd.getArrForVarName("w"), "the non-finite update was not applied");
    }
}
