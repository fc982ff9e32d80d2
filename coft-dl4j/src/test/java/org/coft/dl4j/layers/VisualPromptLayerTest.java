package org.coft.dl4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.coft.dl4j.TestModels;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.DualPromptModel;
import org.coft.dl4j.phase1.PhaseOneConfig;
import org.coft.dl4j.phase1.VisualModule;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Deep visual prompts as a DL4J layer under CoFT's DL4J head: the pair, trained by DL4J's fit, equals CoFT's own
 * Phase I model (DualPromptModel with deep VPT) updated by hand with the same SGD steps, and starts where that model
 * starts for the same seed.
 */
class VisualPromptLayerTest {
    static final List<String> CLASSES = TestModels.FASHION.subList(0, 3);

    @Test
    void dl4jGraphWithVisualPromptsEqualsCoftsPhaseOneModelAfterUpdates() throws Exception {
        PhaseOneConfig cfg = PhaseOneConfig.defaults().withVisual(VisualModule.VPT_DEEP).withPromptTokens(2);
        ClipBackbone backbone = ClipBackbone.load(TestModels.microClip(), cfg, CLASSES);
        double lr = 0.5;
        long seed = 4;
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(lr))
                .dataType(DataType.FLOAT).graphBuilder().addInputs("pixels")
                .setInputTypes(InputType.convolutional(28, 28, 3))
                .addLayer("vpt", new VisualPromptLayer(TestModels.microClip(), 2, true, cfg.contextStd(), seed)
                        .withModel(backbone.prompted()), "pixels")
                .addLayer("coft", DualPromptOutputLayer.builder(TestModels.microClip(), CLASSES).seed(seed).build()
                        .withModel(backbone.prompted()), "vpt")
                .setOutputs("coft").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        // CoFT's own model with the same initial values (same seed streams: the same start, checked here)
        Map<String, INDArray> init = DualPromptModel.initialValues(backbone, CLASSES, cfg, seed);
        assertEquals(init.get(DualPromptModel.VPT), g.getLayer("vpt").getParam(VisualPromptLayer.VPT));
        assertEquals(init.get(DualPromptModel.VPT_DEEP), g.getLayer("vpt").getParam(VisualPromptLayer.VPT_DEEP));
        assertEquals(init.get(DualPromptModel.CTX_POS), g.getLayer("coft").getParam(DualPromptOutputLayer.CTX_POS));
        assertEquals(init.get(DualPromptModel.CTX_NEG), g.getLayer("coft").getParam(DualPromptOutputLayer.CTX_NEG));
        DualPromptModel ref = DualPromptModel.build(backbone, CLASSES, cfg, init);
        ComplementLabels complements = new ComplementLabels(CLASSES.size(), 9);
        for (int step = 0; step < 2; step++) {
            INDArray x = PromptLearner.gaussian(new long[] {4, 3, 28, 28}, 50 + step, 1.0);
            INDArray y = org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 4, CLASSES.size());
            for (int i = 0; i < 4; i++) {
                y.putScalar(i, (i + step) % CLASSES.size(), 1f);
            }
            DataSet ds = new DataSet(x, y);
            complements.preProcess(ds);
            int c = CLASSES.size();
            INDArray both = ds.getLabels();
            DualPromptModel.Step st = ref.gradients(x, both.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, c)).dup(), both.get(
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(c, 2 * c)).dup());
            for (Map.Entry<String, INDArray> e : st.gradients().entrySet()) {
                ref.parameters().get(e.getKey()).subi(e.getValue().mul(lr));
            }
            g.fit(ds);
            assertEquals(st.loss(), g.score(), 1e-4 * Math.abs(st.loss()), "loss at step " + step);
        }
        String[][] pairs = {{"vpt", VisualPromptLayer.VPT, DualPromptModel.VPT},
            {"vpt", VisualPromptLayer.VPT_DEEP, DualPromptModel.VPT_DEEP},
            {"coft", DualPromptOutputLayer.CTX_POS, DualPromptModel.CTX_POS},
            {"coft", DualPromptOutputLayer.CTX_NEG, DualPromptModel.CTX_NEG}};
        for (String[] p : pairs) {
            INDArray got = g.getLayer(p[0]).getParam(p[1]);
            INDArray want = ref.parameters().get(p[2]);
            double diff = want.castTo(DataType.DOUBLE).sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue()
                    / Math.max(1e-12, want.amaxNumber().doubleValue());
            assertTrue(diff < 1e-4, p[1] + ": max relative difference " + diff);
            double moved = want.castTo(DataType.DOUBLE).sub(init.get(p[2]).castTo(DataType.DOUBLE)).amaxNumber()
                    .doubleValue();
            assertTrue(moved > 1e-6, p[1] + " did not move: the comparison would be empty");
        }
    }
}
