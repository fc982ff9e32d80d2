package org.coft.dl4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The adapter inside a DL4J ComputationGraph: identity at start, trainable with fit. */
public class FeatureAdapterLayerTest {
    /** features [B, 8] → adapter (hidden 4) → softmax output over 3 classes, initialised. */
    public static ComputationGraph graph(org.nd4j.linalg.learning.config.IUpdater updater) {
        var conf = new NeuralNetConfiguration.Builder().seed(1).updater(updater).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("features").setInputTypes(InputType.feedForward(8))
                .addLayer("adapter", new FeatureAdapterLayer(8, 4, 3), "features")
                .addLayer("head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "adapter")
                .setOutputs("head").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void startsAsIdentityAndTrainsInAComputationGraph() {
        ComputationGraph g = graph(new Adam(1e-2));
        INDArray x = PromptLearner.gaussian(new long[] {16, 8}, 5, 1.0);
        INDArray adapted = g.feedForward(x, false).get("adapter");
        assertEquals(x, adapted);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 3);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, i % 3, 1f);
        }
        for (int i = 0; i < 20; i++) {
            g.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
        }
        assertNotEquals(x, g.feedForward(x, false).get("adapter"));
    }
}
