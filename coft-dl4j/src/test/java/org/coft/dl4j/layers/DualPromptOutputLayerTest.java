package org.coft.dl4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.model.ClipModel;
import org.coft.dl4j.TestModels;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * CoFT's dual-prompt head as a DL4J output layer: after N updates of DL4J's own {@code fit} its contexts equal a
 * plain SameDiff graph of the same math (PromptLearner + DualPromptHead, batch-mean loss, SGD by hand) — the
 * DL4J {@code TestSameDiffDense} idea; the configuration survives DL4J's JSON; bad labels are named.
 */
class DualPromptOutputLayerTest {
    static final List<String> CLASSES = TestModels.FASHION.subList(0, 4);
    static ClipModel model;
    static int embed;

    @BeforeAll
    static void load() throws Exception {
        model = ClipModel.load(TestModels.microClip(),
                org.coft.clip.model.ClipLoadOptions.defaults().withTextContext(
                        PromptLearner.promptLength(ClipModel.load(TestModels.microClip()), CLASSES, 4)));
        embed = (int) model.encodeTexts(List.of("a")).size(1);
    }

    static DualPromptOutputLayer head(double lambda, long seed) {
        return DualPromptOutputLayer.builder(TestModels.microClip(), CLASSES).contextInit("").contextTokens(3)
                .contextStd(0.5).tau(0.1).lambda(lambda).seed(seed).build().withModel(model);
    }

    static ComputationGraph graph(DualPromptOutputLayer head, double lr) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(lr))
                .dataType(DataType.FLOAT).graphBuilder().addInputs("features")
                .setInputTypes(InputType.feedForward(embed)).addLayer("head", head, "features").setOutputs("head").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    static INDArray oneHot(int n, int c, int shift) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, c);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (i + shift) % c, 1f);
        }
        return y;
    }

    /** The same loss as a plain SameDiff graph: PromptLearner's text tower, DualPromptHead's batch-mean loss. */
    static final class Reference {
        final SameDiff sd = SameDiff.create();

        Reference(INDArray ctxPos, INDArray ctxNeg, double lambda) {
            int c = CLASSES.size();
            SDVariable pos = sd.var("ctx_pos", ctxPos.dup());
            SDVariable neg = sd.var("ctx_neg", ctxNeg.dup());
            SDVariable f = sd.placeHolder("features", DataType.FLOAT, -1, embed);
            SDVariable y = sd.placeHolder("labels", DataType.FLOAT, -1, c);
            SDVariable comp = sd.placeHolder("complement", DataType.FLOAT, -1, c);
            SDVariable t = PromptLearner.create(model, CLASSES, 3).textFeatures(sd, "prompts", pos, neg);
            DualPromptHead.define(sd, f, t.get(SDIndex.interval(0, c), SDIndex.all()),
                    t.get(SDIndex.interval(c, 2 * c), SDIndex.all()), y, comp, model.logitScale(), 0.1, lambda, true);
            sd.setLossVariables(DualPromptHead.LOSS);
        }

        double sgdStep(INDArray features, INDArray labels2c, double lr) {
            int c = CLASSES.size();
            Map<String, INDArray> ph = new HashMap<>();
            ph.put("features", features);
            ph.put("labels", labels2c.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, c)).dup());
            ph.put("complement", labels2c.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(c, 2 * c)).dup());
            double loss = sd.outputSingle(ph, DualPromptHead.LOSS).getDouble(0);
            Map<String, INDArray> g = sd.calculateGradients(ph, "ctx_pos", "ctx_neg");
            for (String p : List.of("ctx_pos", "ctx_neg")) {
                sd.getArrForVarName(p).subi(g.get(p).mul(lr));
            }
            return loss;
        }
    }

    static double maxRelDiff(INDArray want, INDArray got) {
        INDArray w = want.castTo(DataType.DOUBLE);
        INDArray d = w.sub(got.castTo(DataType.DOUBLE));
        return d.amaxNumber().doubleValue() / Math.max(1e-12, w.amaxNumber().doubleValue());
    }

    @Test
    void dl4jFitEqualsThePlainSameDiffMathAfterSeveralUpdates() {
        double lr = 0.5;
        DualPromptOutputLayer head = head(1.0, 7);
        ComputationGraph g = graph(head, lr);
        INDArray pos0 = g.getLayer("head").getParam(DualPromptOutputLayer.CTX_POS).dup();
        INDArray neg0 = g.getLayer("head").getParam(DualPromptOutputLayer.CTX_NEG).dup();
        assertNotEquals(pos0, neg0, "the two contexts start from different draws");
        Reference ref = new Reference(pos0, neg0, 1.0);
        ComplementLabels complements = new ComplementLabels(CLASSES.size(), 3);
        List<Double> refLoss = new ArrayList<>();
        List<Double> dl4jScore = new ArrayList<>();
        for (int step = 0; step < 4; step++) {
            INDArray x = PromptLearner.gaussian(new long[] {6, embed}, 100 + step, 1.0);
            DataSet ds = new DataSet(x, oneHot(6, CLASSES.size(), step));
            complements.preProcess(ds);
            refLoss.add(ref.sgdStep(x, ds.getLabels(), lr));
            g.fit(ds);
            dl4jScore.add(g.score());
        }
        for (int i = 0; i < refLoss.size(); i++) {
            assertEquals(refLoss.get(i), dl4jScore.get(i), 1e-4 * Math.abs(refLoss.get(i)),
                    "DL4J's score (batch mean) at step " + i);
        }
        for (String[] p : new String[][] {{DualPromptOutputLayer.CTX_POS, "ctx_pos"}, {DualPromptOutputLayer.CTX_NEG,
                "ctx_neg"}}) {
            INDArray got = g.getLayer("head").getParam(p[0]);
            INDArray want = ref.sd.getArrForVarName(p[1]);
            assertTrue(maxRelDiff(want, got) < 1e-4, p[0] + ": max relative difference " + maxRelDiff(want, got));
            assertTrue(maxRelDiff(want, p[0].equals(DualPromptOutputLayer.CTX_POS) ? pos0 : neg0) > 1e-3,
                    p[0] + " did not move: the comparison would be empty");
        }
        // activations are the class probabilities of the positive prompts; scores() gives p_clean from the contexts
        INDArray x = PromptLearner.gaussian(new long[] {5, embed}, 9, 1.0);
        INDArray probs = g.outputSingle(x);
        assertEquals(5, probs.size(0));
        assertEquals(CLASSES.size(), probs.size(1));
        DualPromptOutputLayer.Scores s = head.scores(x, g.getLayer("head").getParam(DualPromptOutputLayer.CTX_POS),
                g.getLayer("head").getParam(DualPromptOutputLayer.CTX_NEG));
        INDArray expect = org.nd4j.linalg.ops.transforms.Transforms.softmax(s.sPos().mul(model.logitScale()), true);
        assertTrue(maxRelDiff(expect, probs) < 1e-4, "probabilities " + probs + " vs " + expect);
        assertTrue(s.pClean().minNumber().doubleValue() >= 0 && s.pClean().maxNumber().doubleValue() <= 1);
    }

    @Test
    void twoHeadsLiveInOnePlainSameDiffGraphUnderTheirOwnNames() {
        SameDiff sd = SameDiff.create();
        int c = CLASSES.size();
        SDVariable f = sd.placeHolder("features", DataType.FLOAT, -1, embed);
        SDVariable y = sd.placeHolder("labels", DataType.FLOAT, -1, c);
        SDVariable comp = sd.placeHolder("complement", DataType.FLOAT, -1, c);
        PromptLearner pl = PromptLearner.create(model, CLASSES, 3);
        SDVariable[] losses = new SDVariable[2];
        for (int h = 0; h < 2; h++) {
            String name = "model" + "AB".charAt(h);
            SDVariable pos = sd.var(name + "/ctx_pos", pl.randomContext(10 + h, 0.5));
            SDVariable neg = sd.var(name + "/ctx_neg", pl.randomContext(20 + h, 0.5));
            SDVariable t = pl.textFeatures(sd, name + "/prompts", pos, neg);
            losses[h] = DualPromptHead.define(sd, name, f, t.get(SDIndex.interval(0, c), SDIndex.all()),
                    t.get(SDIndex.interval(c, 2 * c), SDIndex.all()), y, comp, model.logitScale(), 0.1, 1.0, true, false);
        }
        sd.setLossVariables(losses[0].name(), losses[1].name());
        INDArray x = PromptLearner.gaussian(new long[] {4, embed}, 5, 1.0);
        INDArray both = ComplementLabels.withComplement(oneHot(4, c, 1), 2, 0);
        Map<String, INDArray> ph = Map.of("features", x,
                "labels", both.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, c)).dup(),
                "complement", both.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(c, 2 * c)).dup());
        Map<String, INDArray> out = sd.output(ph, "modelA/loss", "modelB/loss", "modelA/p_clean", "modelB/p_clean");
        assertEquals(losses[0].name(), "modelA/loss");
        assertNotEquals(out.get("modelA/loss").getDouble(0), out.get("modelB/loss").getDouble(0));
        assertEquals(List.of(4L, (long) c), List.of(out.get("modelB/p_clean").size(0), out.get("modelB/p_clean").size(1)));
        Map<String, INDArray> grads = sd.calculateGradients(ph, "modelA/ctx_pos", "modelB/ctx_neg");
        assertTrue(grads.get("modelA/ctx_pos").norm2Number().doubleValue() > 0);
        assertTrue(grads.get("modelB/ctx_neg").norm2Number().doubleValue() > 0);
    }

    @Test
    void theConfigurationSurvivesDl4jJson() {
        DualPromptOutputLayer head = head(0.5, 3);
        ComputationGraph g = graph(head, 0.1);
        String json = g.getConfiguration().toJson();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        var layer = (DualPromptOutputLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices()
                .get("head")).getLayerConf().getLayer();
        assertEquals(head.getModelDir(), layer.getModelDir());
        assertEquals(CLASSES, layer.getClassNames());
        assertEquals(0.5, layer.getLambda());
        assertEquals(3, layer.getSeed());
        // a network built from the JSON loads the model itself and starts from the same contexts
        ComputationGraph again = new ComputationGraph(back);
        again.init();
        assertEquals(g.getLayer("head").getParam(DualPromptOutputLayer.CTX_NEG),
                again.getLayer("head").getParam(DualPromptOutputLayer.CTX_NEG));
    }

    @Test
    void labelsWithoutTheComplementAreNamed() {
        ComputationGraph g = graph(head(1.0, 1), 0.1);
        INDArray x = PromptLearner.gaussian(new long[] {3, embed}, 1, 1.0);
        Exception e = assertThrows(Exception.class, () -> g.fit(new DataSet(x, oneHot(3, CLASSES.size(), 0))));
        Throwable t = e;
        while (t.getCause() != null && !t.getMessage().contains("ComplementLabels")) {
            t = t.getCause();
        }
        assertTrue(t.getMessage().contains("expected 2 x 4 = 8") && t.getMessage().contains("ComplementLabels"),
                e.toString());
    }

    @Test
    void complementLabelsAreAnotherClassDrawnFromTheSeed() {
        INDArray y = oneHot(400, 4, 0);
        INDArray a = ComplementLabels.withComplement(y, 5, 0);
        assertEquals(a, ComplementLabels.withComplement(y, 5, 0), "same seed and batch, same draws");
        assertNotEquals(a, ComplementLabels.withComplement(y, 5, 1), "another batch, other draws");
        int[] counts = new int[4];
        for (int i = 0; i < 400; i++) {
            int label = i % 4;
            assertEquals(1.0, a.getDouble(i, label));
            int comp = a.getRow(i).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(4, 8)).argMax().getInt(0);
            assertNotEquals(label, comp, "row " + i);
            assertEquals(2.0, a.getRow(i).sumNumber().doubleValue());
            counts[comp]++;
        }
        for (int k = 0; k < 4; k++) {
            assertTrue(counts[k] > 70 && counts[k] < 130, "complement " + k + " drawn " + counts[k] + " of 400 times");
        }
        var bad = assertThrows(IllegalArgumentException.class,
                () -> new ComplementLabels(4, 0).preProcess(new DataSet(y, Nd4j.zeros(DataType.FLOAT, 400, 3))));
        assertTrue(bad.getMessage().contains("expected one-hot pseudo labels [batch, 4]"), bad.getMessage());
    }

    @Test
    void pseudoLabelStatsWatchTheHeadInDl4jFit() {
        // learning rate 0: the contexts stay put, so every epoch's mean p_clean is exactly that of the start
        DualPromptOutputLayer head = head(1.0, 5);
        ComputationGraph g = graph(head, 0.0);
        INDArray x = PromptLearner.gaussian(new long[] {8, embed}, 21, 1.0);
        INDArray y = oneHot(8, CLASSES.size(), 1);
        var it = new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(
                new DataSet(x, y).asList(), 4);
        it.setPreProcessor(new ComplementLabels(CLASSES.size(), 3));
        org.coft.dl4j.train.PseudoLabelStats stats = new org.coft.dl4j.train.PseudoLabelStats(null, null)
                .onLayer("head");
        g.setListeners(stats);
        g.fit(it, 2);
        var epochs = stats.epochs();
        assertEquals(2, epochs.size());
        DualPromptOutputLayer.Scores s = head.scores(x, g.getLayer("head").getParam(DualPromptOutputLayer.CTX_POS),
                g.getLayer("head").getParam(DualPromptOutputLayer.CTX_NEG));
        double mean = 0;
        int clean = 0;
        for (int i = 0; i < 8; i++) {
            double p = s.pClean().getDouble(i, (i + 1) % CLASSES.size());
            mean += p / 8;
            clean += p > 0.5 ? 1 : 0;
        }
        for (int e = 0; e < 2; e++) {
            assertEquals("head", epochs.get(e).model());
            assertEquals(e, epochs.get(e).epoch());
            assertEquals(8, epochs.get(e).examples());
            assertEquals(mean, epochs.get(e).meanPClean(), 1e-5);
            assertEquals(clean / 8.0, epochs.get(e).fractionClean(), 1e-9);
            assertTrue(Double.isNaN(epochs.get(e).accuracy()), "no labels: no accuracy");
        }
    }
}
