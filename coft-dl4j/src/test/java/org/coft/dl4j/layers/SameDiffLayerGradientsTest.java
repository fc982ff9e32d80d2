package org.coft.dl4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The DL4J 1.0.0-M2.1 bug {@link SameDiffLayerGradients} works around, pinned: a plain {@code SameDiffLayer}
 * computing {@code x·W} gets twice the gradients of the equivalent {@code DenseLayer}, for its own W and for the
 * layer below it; with the workaround they are equal. (If a DL4J release fixes the bug, the first assertion fails:
 * then drop the workaround.)
 */
class SameDiffLayerGradientsTest {
    /** {@code x·W}, W [4, 3]; {@code fixed} applies the workaround. */
    public static class Linear extends SameDiffLayer {
        private boolean fixed;

        protected Linear() {
        }

        Linear(boolean fixed) {
            this.fixed = fixed;
        }

        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
            SDVariable y = in.mmul(p.get("W"));
            return fixed ? SameDiffLayerGradients.halveBackward(sd, "out", y) : y;
        }

        @Override
        public void defineParameters(SDLayerParams params) {
            params.addWeightParam("W", 4, 3);
        }

        @Override
        public void initializeParameters(Map<String, INDArray> params) {
            params.get("W").assign(PromptLearner.gaussian(new long[] {4, 3}, 1, 1.0));
        }

        @Override
        public InputType getOutputType(int i, InputType t) {
            return InputType.feedForward(3);
        }

        public boolean isFixed() {
            return fixed;
        }
    }

    /** Gradient norms of "a" and "pre" and the score, the weights copied from {@code like}. */
    static Map<String, Double> gradientNorms(org.deeplearning4j.nn.conf.layers.Layer middle, ComputationGraph like) {
        ComputationGraph g = graphOf(middle);
        for (String[] p : new String[][] {{"pre", "W"}, {"a", "W"}, {"o", "W"}, {"o", "b"}}) {
            g.getLayer(p[0]).setParam(p[1], like.getLayer(p[0]).getParam(p[1]).dup());
        }
        g.setInputs(PromptLearner.gaussian(new long[] {5, 4}, 2, 1.0));
        g.setLabels(PromptLearner.gaussian(new long[] {5, 2}, 3, 1.0));
        g.computeGradientAndScore();
        var grads = g.gradient().gradientForVariable();
        return Map.of("a", grads.get("a_W").norm2Number().doubleValue(), "pre",
                grads.get("pre_W").norm2Number().doubleValue(), "score", g.score());
    }

    /** x → dense "pre" (4 → 4) → {@code middle} (4 → 3) → MSE output (3 → 2). */
    static ComputationGraph graphOf(org.deeplearning4j.nn.conf.layers.Layer middle) {
        var conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1)).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("x").setInputTypes(InputType.feedForward(4))
                .addLayer("pre", new DenseLayer.Builder().nIn(4).nOut(4).hasBias(false).activation(Activation.IDENTITY)
                        .build(), "x")
                .addLayer("a", middle, "pre")
                .addLayer("o", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(3).nOut(2)
                        .activation(Activation.IDENTITY).build(), "a").setOutputs("o").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void dl4jDoublesASameDiffLayersGradientsAndTheWorkaroundHalvesThem() {
        ComputationGraph source = graphOf(new Linear(false));
        Map<String, Double> buggy = gradientNorms(new Linear(false), source);
        Map<String, Double> fixed = gradientNorms(new Linear(true), source);
        Map<String, Double> dense = gradientNorms(new DenseLayer.Builder().nIn(4).nOut(3).hasBias(false)
                .activation(Activation.IDENTITY).build(), source);
        assertEquals(dense.get("score"), buggy.get("score"), 1e-6, "the forward pass is right");
        assertEquals(dense.get("score"), fixed.get("score"), 1e-6, "the workaround leaves the forward pass alone");
        assertEquals(2 * dense.get("a"), buggy.get("a"), 1e-4 * dense.get("a"), "DL4J M2.1: own gradient doubled");
        assertEquals(2 * dense.get("pre"), buggy.get("pre"), 1e-4 * dense.get("pre"), "DL4J M2.1: gradient below doubled");
        assertEquals(dense.get("a"), fixed.get("a"), 1e-4 * dense.get("a"));
        assertEquals(dense.get("pre"), fixed.get("pre"), 1e-4 * dense.get("pre"));
    }
}
