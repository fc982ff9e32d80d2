package org.coft.dl4j.phase1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.clip.model.ClipModel;
import org.coft.dl4j.TestModels;
import org.coft.dl4j.layers.PromptLearner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Equivalences of the Phase I model with zero-shot CLIP, on the reference micro-CLIP. */
class DualPromptModelTest {
    static ClipBackbone backbone;
    static INDArray features;

    @BeforeAll
    static void load() throws Exception {
        backbone = ClipBackbone.load(TestModels.microClip(), PhaseOneConfig.defaults().withPromptTokens(3),
                TestModels.FASHION);
        INDArray pixels = PromptLearner.gaussian(new long[] {6, 3, 28, 28}, 11, 1.0);
        features = backbone.plain().encodeImages(pixels);
    }

    static INDArray zeroShotLogits(INDArray feats) {
        List<String> prompts = new ArrayList<>();
        for (String c : TestModels.FASHION) {
            prompts.add("a photo of a " + c + ".");
        }
        INDArray t = ClipModel.normalize(backbone.plain().encodeTexts(prompts));
        return ClipModel.normalize(feats).mmul(t.transpose()).muli(backbone.plain().logitScale());
    }

    static void assertClose(INDArray want, INDArray got, double tol) {
        assertEquals(want.shapeInfoToString().split("Stride")[0], got.shapeInfoToString().split("Stride")[0]);
        double diff = want.castTo(DataType.DOUBLE).sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff < tol, "max |difference| " + diff + " >= " + tol);
    }

    @Test
    void contextFromAPhotoOfAReproducesZeroShotLogits() {
        PhaseOneConfig cfg = PhaseOneConfig.upl().withContext(4, "a photo of a");
        DualPromptModel m = DualPromptModel.create(backbone, TestModels.FASHION, cfg, 1);
        assertClose(zeroShotLogits(features), m.score(features).logits(), 1e-3);
    }

    @Test
    void zeroAdapterLeavesFeaturesUnchanged() {
        PhaseOneConfig cfg = PhaseOneConfig.upl().withContext(4, "a photo of a").withVisual(VisualModule.ADAPTER);
        DualPromptModel m = DualPromptModel.create(backbone, TestModels.FASHION, cfg, 1);
        assertClose(zeroShotLogits(features), m.score(features).logits(), 1e-3);
        // a non-zero adapter changes them (the test above could not pass with a disconnected adapter)
        m.parameters().get("adapter/w2").assign(0.05);
        double diff = zeroShotLogits(features).sub(m.score(features).logits()).amaxNumber().doubleValue();
        assertTrue(diff > 1e-2, "adapter had no effect: " + diff);
    }

    @Test
    void dualPromptWithEqualContextsIsUndecided() {
        PhaseOneConfig cfg = PhaseOneConfig.defaults().withContext(4, "a photo of a").withVisual(VisualModule.NONE);
        Map<String, INDArray> v = DualPromptModel.initialValues(backbone, TestModels.FASHION, cfg, 3);
        v.put(DualPromptModel.CTX_NEG, v.get(DualPromptModel.CTX_POS).dup());
        DualPromptModel m = DualPromptModel.build(backbone, TestModels.FASHION, cfg, v);
        DualPromptModel.Scores s = m.score(features);
        assertClose(Nd4j.valueArrayOf(s.pClean().shape(), 0.5f), s.pClean(), 1e-5);
        assertClose(zeroShotLogits(features), s.logits(), 1e-3);
    }

    @Test
    void visualPromptsRunTheImageTowerAndGetGradients() {
        PhaseOneConfig cfg = PhaseOneConfig.defaults().withContext(4, "").withPromptTokens(3);
        DualPromptModel m = DualPromptModel.create(backbone, TestModels.FASHION, cfg, 5);
        INDArray pixels = PromptLearner.gaussian(new long[] {4, 3, 28, 28}, 12, 1.0);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 10);
        INDArray comp = Nd4j.zeros(DataType.FLOAT, 4, 10);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i, 1f);
            comp.putScalar(i, i + 1, 1f);
        }
        DualPromptModel.Step st = m.gradients(pixels, y, comp);
        assertEquals(List.of("ctx_pos", "ctx_neg", "vpt", "vpt_deep"), m.parameterNames());
        for (String p : m.parameterNames()) {
            assertTrue(st.gradients().get(p).norm2Number().doubleValue() > 0, "no gradient for " + p);
        }
        assertEquals(st.l1() + st.l2(), st.loss(), 1e-4);
    }

    @Test
    void badSettingsNameTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> PhaseOneConfig.defaults().withTraining(0, 32, 1e-3));
        assertTrue(e.getMessage().contains("epochs"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, 
                () -> PromptLearner.create(backbone.plain(), TestModels.FASHION, 3).phraseContext("a photo of a"));
        assertTrue(e2.getMessage().contains("a photo of a"), e2.getMessage());
    }
}
