package org.coft.dl4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.coft.dl4j.phase2.ContrastiveLoss;
import org.coft.dl4j.train.MomentumContrastListener;
import org.coft.dl4j.train.SeedStream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * CoFT+'s momentum-contrast loss as a DL4J output layer, trained by DL4J's own {@code fit} with
 * {@link MomentumContrastListener}: after several steps (the queue wrapping round) the encoder, the queue and the key
 * encoder equal a plain SameDiff graph of {@link ContrastiveLoss} with SGD, enqueueing and EMA done by hand.
 */
class MomentumContrastOutputLayerTest {
    static final int IN = 6;
    static final int EMBED = 5;
    static final int QUEUE = 8;
    static final int BATCH = 3;
    static final double TAU = 0.2;
    static final double MOMENTUM = 0.9;

    static ComputationGraph encoder(MomentumContrastOutputLayer head, double lr) {
        var b = new NeuralNetConfiguration.Builder().seed(11).updater(new Sgd(lr)).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("x").setInputTypes(InputType.feedForward(IN))
                .addLayer("enc", new DenseLayer.Builder().nOut(EMBED).activation(Activation.IDENTITY).build(), "x");
        ComputationGraphConfiguration conf = head == null ? b.setOutputs("enc").build()
                : b.addLayer("moco", head, "enc").setOutputs("moco").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    static double maxRelDiff(INDArray want, INDArray got) {
        INDArray w = want.castTo(DataType.DOUBLE);
        return w.sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue()
                / Math.max(1e-12, w.amaxNumber().doubleValue());
    }

    @Test
    void dl4jFitWithTheListenerEqualsMocoByHand() {
        double lr = 0.5;
        ComputationGraph g = encoder(MomentumContrastOutputLayer.of(QUEUE, TAU, 4, 0), lr);
        ComputationGraph keys = encoder(null, lr);
        keys.setParams(g.getLayer("enc").params().dup()); // the key encoder starts equal to the query encoder
        MomentumContrastListener moco = new MomentumContrastListener("moco", keys, MOMENTUM);
        g.setListeners(moco);
        INDArray queue0 = g.getLayer("moco").getParam(MomentumContrastOutputLayer.QUEUE).dup();
        assertEquals(PromptLearner.gaussian(new long[] {QUEUE, EMBED}, SeedStream.MOCO_QUEUE.of(4), 1.0), queue0,
                "the queue starts as CoFT+'s trainer starts its own");

        // the plain-math reference
        SameDiff sd = SameDiff.create();
        SDVariable w = sd.var("W", g.getLayer("enc").getParam("W").dup());
        SDVariable bias = sd.var("b", g.getLayer("enc").getParam("b").dup());
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, IN);
        SDVariable k = sd.placeHolder("k", DataType.FLOAT, -1, EMBED);
        SDVariable n = sd.placeHolder("n", DataType.FLOAT, QUEUE, EMBED);
        ContrastiveLoss.define(sd, x.mmul(w).add(bias), k, n, TAU);
        sd.setLossVariables(ContrastiveLoss.LOSS);
        INDArray refQueue = queue0.dup();
        INDArray refKeyW = w.getArr().dup();
        INDArray refKeyB = bias.getArr().dup();
        int next = 0;
        List<Double> scores = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 5; step++) {
            INDArray xs = PromptLearner.gaussian(new long[] {BATCH, IN}, 50 + step, 1.0);
            INDArray ks = PromptLearner.gaussian(new long[] {BATCH, EMBED}, 70 + step, 1.0);
            Map<String, INDArray> ph = new HashMap<>(Map.of("x", xs, "k", ks, "n", refQueue.dup()));
            losses.add(sd.outputSingle(ph, ContrastiveLoss.LOSS).getDouble(0));
            Map<String, INDArray> grad = sd.calculateGradients(ph, "W", "b");
            w.getArr().subi(grad.get("W").mul(lr));
            bias.getArr().subi(grad.get("b").mul(lr));
            for (int i = 0; i < BATCH; i++) {
                refQueue.getRow(next).assign(ks.getRow(i));
                next = (next + 1) % QUEUE;
            }
            refKeyW.muli(MOMENTUM).addi(w.getArr().mul(1 - MOMENTUM));
            refKeyB.muli(MOMENTUM).addi(bias.getArr().mul(1 - MOMENTUM));

            g.fit(new DataSet(xs, ks));
            scores.add(g.score());
        }
        for (int i = 0; i < losses.size(); i++) {
            assertEquals(losses.get(i), scores.get(i), 1e-4 * Math.abs(losses.get(i)), "score at step " + i);
        }
        assertTrue(maxRelDiff(w.getArr(), g.getLayer("enc").getParam("W")) < 1e-4, "encoder W");
        assertTrue(maxRelDiff(bias.getArr(), g.getLayer("enc").getParam("b")) < 1e-4, "encoder b");
        assertTrue(maxRelDiff(refQueue, g.getLayer("moco").getParam(MomentumContrastOutputLayer.QUEUE)) < 1e-6,
                "queue (the updater must leave it alone; the listener enqueues)");
        assertEquals(next, moco.next());
        assertTrue(maxRelDiff(refKeyW, keys.getLayer("enc").getParam("W")) < 1e-4, "key encoder W (EMA)");
        assertTrue(maxRelDiff(refKeyB, keys.getLayer("enc").getParam("b")) < 1e-4, "key encoder b (EMA)");
        assertTrue(maxRelDiff(queue0, refQueue) > 0.1, "the queue wrapped round: the comparison is not empty");
        // activations: the normalised queries
        INDArray xs = PromptLearner.gaussian(new long[] {2, IN}, 9, 1.0);
        INDArray out = g.outputSingle(xs);
        INDArray q = xs.mmul(g.getLayer("enc").getParam("W")).addRowVector(g.getLayer("enc").getParam("b"));
        assertTrue(maxRelDiff(org.coft.clip.model.ClipModel.normalize(q), out) < 1e-5);
    }

    @Test
    void configurationSurvivesDl4jJsonAndBadInputIsNamed() {
        ComputationGraph g = encoder(MomentumContrastOutputLayer.of(QUEUE, TAU, 4, 0), 0.1);
        String json = g.getConfiguration().toJson();
        var back = ComputationGraphConfiguration.fromJson(json);
        assertEquals(g.getConfiguration(), back);
        var layer = (MomentumContrastOutputLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices()
                .get("moco")).getLayerConf().getLayer();
        assertEquals(QUEUE, layer.getQueueSize());
        assertEquals(EMBED, layer.getEmbed());
        assertEquals(TAU, layer.getTau());
        assertThrows(IllegalArgumentException.class, () -> MomentumContrastOutputLayer.of(0, TAU, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> MomentumContrastOutputLayer.of(4, 0, 1, 0));
        var wrong = assertThrows(Exception.class, () -> g.fit(new DataSet(PromptLearner.gaussian(new long[] {2, IN},
                1, 1.0), PromptLearner.gaussian(new long[] {2, EMBED + 1}, 2, 1.0))));
        assertTrue(wrong.getMessage().contains("labels have 6 columns; expected the positive keys [batch, 5]"),
                wrong.getMessage());
        ComputationGraph fresh = encoder(MomentumContrastOutputLayer.of(QUEUE, TAU, 4, 0), 0.1);
        fresh.setListeners(new MomentumContrastListener("nope"));
        var noLayer = assertThrows(IllegalArgumentException.class, () -> fresh.fit(new DataSet(PromptLearner.gaussian(
                new long[] {2, IN}, 1, 1.0), PromptLearner.gaussian(new long[] {2, EMBED}, 2, 1.0))));
        assertTrue(noLayer.getMessage().contains("no layer 'nope'"), noLayer.getMessage());
    }
}
