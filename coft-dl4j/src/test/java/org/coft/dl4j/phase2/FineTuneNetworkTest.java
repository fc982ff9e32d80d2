package org.coft.dl4j.phase2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.coft.clip.model.ClipModel;
import org.coft.clip.zeroshot.PromptTemplates;
import org.coft.clip.zeroshot.ZeroShotClassifier;
import org.coft.dl4j.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Phase II's network over the micro-CLIP image tower: equivalences, weight ownership, gradients, saved classifier. */
class FineTuneNetworkTest {
    static ClipModel model;
    static ZeroShotClassifier zs;
    static INDArray pixels;

    @BeforeAll
    static void load() throws Exception {
        model = ClipModel.load(TestModels.microClip());
        zs = ZeroShotClassifier.build(model, TestModels.FASHION, PromptTemplates.single());
        Nd4j.getRandom().setSeed(11);
        pixels = Nd4j.randn(DataType.FLOAT, 6, 3, 28, 28);
    }

    static INDArray oneHot(int n, int c) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, c);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % c, 1f);
        }
        return y;
    }

    @Test
    void textHeadStartsAsTheZeroShotClassifier() {
        FineTuneNetwork net = FineTuneNetwork.create(model, zs.classEmbeddings(), 0, 0.07);
        INDArray expected = zs.logits(model.encodeImages(pixels));
        assertTrue(net.logits(pixels).sub(expected).amaxNumber().doubleValue() < 1e-4);
        assertEquals(0.0, net.embeds(pixels).sub(model.encodeImages(pixels)).amaxNumber().doubleValue(), 1e-5);
    }

    @Test
    void trainingMovesItsOwnWeightsOnlyAndEveryParameterGetsAGradient() {
        INDArray before = model.encodeImages(pixels).dup();
        FineTuneNetwork net = FineTuneNetwork.create(model, zs.classEmbeddings(), 0, 0.07);
        INDArray w = Nd4j.ones(DataType.FLOAT, 6);
        FineTuneNetwork.Step st = net.gradients(pixels, oneHot(6, 10), w, null, null);
        assertTrue(st.ce() > 0 && Double.isFinite(st.loss()));
        for (String p : net.parameterNames()) {
            assertTrue(st.gradients().get(p).norm2Number().doubleValue() > 0, "no gradient for " + p);
            net.parameters().get(p).subi(st.gradients().get(p).mul(0.05));
        }
        assertEquals(before, model.encodeImages(pixels), "the imported model's weights must not change");
        assertTrue(net.embeds(pixels).sub(before).amaxNumber().doubleValue() > 1e-4, "the network did not move");
        // unlabelled samples (weight 0) add nothing to the cross-entropy
        INDArray half = Nd4j.createFromArray(1f, 1f, 1f, 0f, 0f, 0f);
        INDArray y = oneHot(6, 10);
        double all = net.gradients(pixels, y, half, null, null).ce();
        INDArray logp = Transforms.log(Transforms.softmax(net.logits(pixels).castTo(DataType.DOUBLE), true));
        double ref = -(logp.getDouble(0, 0) + logp.getDouble(1, 1) + logp.getDouble(2, 2)) / 3;
        assertEquals(ref, all, 1e-4);
    }

    @Test
    void logitAdjustmentShiftsTheLossOnlyAndEqualsTheReference() {
        double[] adjust = new double[10];
        for (int c = 0; c < 10; c++) {
            adjust[c] = Math.log((c + 1) / 55.0);
        }
        FineTuneNetwork plain = FineTuneNetwork.create(model, zs.classEmbeddings(), 0, 0.07);
        FineTuneNetwork adjusted = FineTuneNetwork.create(model, zs.classEmbeddings(), 0, 0.07, adjust);
        assertEquals(0.0, adjusted.logits(pixels).sub(plain.logits(pixels)).amaxNumber().doubleValue(), 1e-6,
                "the classifier's logits stay plain");
        INDArray y = oneHot(6, 10);
        INDArray w = Nd4j.ones(DataType.FLOAT, 6);
        double ce = adjusted.gradients(pixels, y, w, null, null).ce();
        INDArray shifted = plain.logits(pixels).castTo(DataType.DOUBLE).addRowVector(Nd4j.createFromArray(adjust));
        INDArray logp = Transforms.log(Transforms.softmax(shifted, true));
        double ref = 0;
        for (int i = 0; i < 6; i++) {
            ref -= logp.getDouble(i, i % 10) / 6;
        }
        assertEquals(ref, ce, 1e-4);
        assertTrue(Math.abs(ce - plain.gradients(pixels, y, w, null, null).ce()) > 1e-3, "the adjustment changed "
                + "nothing");
        assertThrows(IllegalArgumentException.class, () -> FineTuneNetwork.create(model, zs.classEmbeddings(), 0,
                0.07, new double[3]));
    }

    @Test
    void classBalanceSettingsFollowTheKeptLabelPrior() {
        int[] labels = {0, 0, 0, 1, -1, -1};
        double[] prior = PhaseTwoConfig.classPrior(labels, 3);
        // counts + 1: 4, 2, 1 over 7
        assertEquals(4 / 7.0, prior[0], 1e-12);
        assertEquals(1 / 7.0, prior[2], 1e-12);
        PhaseTwoConfig none = PhaseTwoConfig.defaults().withBalance(PhaseTwoConfig.Balance.NONE, 1.0);
        assertEquals(null, none.logitAdjustment(labels, 3));
        assertEquals(1.0, none.classWeights(labels, 3)[0], 0);
        PhaseTwoConfig rw = none.withBalance(PhaseTwoConfig.Balance.REWEIGHT, 1.0);
        assertEquals(7 / 12.0, rw.classWeights(labels, 3)[0], 1e-12);
        assertEquals(7 / 3.0, rw.classWeights(labels, 3)[2], 1e-12);
        PhaseTwoConfig la = none.withBalance(PhaseTwoConfig.Balance.LOGIT_ADJUST, 0.5);
        assertEquals(0.5 * Math.log(2 / 7.0), la.logitAdjustment(labels, 3)[1], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> none.withBalance(PhaseTwoConfig.Balance.REWEIGHT, -1));
        assertThrows(IllegalArgumentException.class, () -> none.withWiseAlpha(0));
    }

    @Test
    void weightSpaceEnsembleInterpolatesEveryParameter() {
        FineTuneNetwork net = FineTuneNetwork.create(model, zs.classEmbeddings(), 0, 0.07);
        java.util.Map<String, INDArray> start = new java.util.LinkedHashMap<>();
        for (var e : net.parameters().entrySet()) {
            start.put(e.getKey(), e.getValue().dup());
            e.getValue().addi(1.0);
        }
        PhaseTwo.interpolate(net.parameters(), start, 0.25);
        for (var e : net.parameters().entrySet()) {
            assertEquals(0.0, e.getValue().sub(start.get(e.getKey()).add(0.25)).amaxNumber().doubleValue(), 1e-5,
                    e.getKey());
        }
    }

    @Test
    void contrastiveTermReachesTheTowerAndAddsToTheLoss() {
        FineTuneNetwork net = FineTuneNetwork.create(model, zs.classEmbeddings(), 0.5, 0.07);
        INDArray keys = model.encodeImages(pixels.mul(0.9));
        INDArray queue = Nd4j.randn(DataType.FLOAT, 16, keys.size(1));
        FineTuneNetwork.Step st = net.gradients(pixels, oneHot(6, 10), Nd4j.zeros(DataType.FLOAT, 6), keys, queue);
        assertEquals(0.0, st.ce(), 1e-6, "no labelled sample, no cross-entropy");
        assertTrue(st.contrastive() > 0);
        assertEquals(st.ce() + 0.5 * st.contrastive(), st.loss(), 1e-5);
        String firstTowerWeight = net.towerWeights().values().iterator().next();
        assertTrue(st.gradients().get(firstTowerWeight).norm2Number().doubleValue() > 0);
        assertThrows(IllegalArgumentException.class, () -> net.gradients(pixels, oneHot(6, 10),
                Nd4j.ones(DataType.FLOAT, 6), null, null));
    }

    @Test
    void mlpContrastHeadProjectsForTheContrastOnlyAndTheKeyEncoderFollowsIt() {
        PhaseTwoConfig.ContrastHead mlp = PhaseTwoConfig.ContrastHead.MLP;
        FineTuneNetwork net = FineTuneNetwork.create(model, zs.classEmbeddings(), 0.5, 0.07, null, mlp, 7);
        FineTuneNetwork plain = FineTuneNetwork.create(model, zs.classEmbeddings(), 0.5, 0.07);
        // the classifier is the same function: the projection only feeds the contrastive term
        assertEquals(0.0, net.logits(pixels).sub(plain.logits(pixels)).amaxNumber().doubleValue(), 1e-5);
        INDArray z = net.contrastEmbeds(pixels);
        assertEquals(List.of(6L, 64L), List.of(z.size(0), z.size(1)));
        assertTrue(z.sub(net.embeds(pixels)).amaxNumber().doubleValue() > 1e-3, "no projection");
        assertEquals(0.0, plain.contrastEmbeds(pixels).sub(plain.embeds(pixels)).amaxNumber().doubleValue(), 0);
        // every parameter, the projection's included, gets a gradient from the contrastive term alone
        INDArray keys = model.encodeImages(pixels.mul(0.9));
        INDArray queue = Nd4j.randn(DataType.FLOAT, 16, 64);
        FineTuneNetwork.Step st = net.gradients(pixels, oneHot(6, 10), Nd4j.zeros(DataType.FLOAT, 6), keys, queue);
        for (String p : List.of(FineTuneNetwork.PROJ_W1, FineTuneNetwork.PROJ_B1, FineTuneNetwork.PROJ_W2)) {
            assertTrue(net.parameterNames().contains(p), p);
            assertTrue(st.gradients().get(p).norm2Number().doubleValue() > 0, "no gradient for " + p);
        }
        // the momentum encoder's arrays: tower and projection; a key network of the same seed starts equal
        FineTuneNetwork key = FineTuneNetwork.create(model, zs.classEmbeddings(), 0, 0.07, null, mlp, 7);
        assertEquals(net.encoderParameters().keySet(), key.encoderParameters().keySet());
        assertTrue(net.encoderParameters().containsKey(FineTuneNetwork.PROJ_W2));
        assertEquals(0.0, key.contrastEmbeds(pixels).sub(z).amaxNumber().doubleValue(), 1e-6);
        FineTuneNetwork other = FineTuneNetwork.create(model, zs.classEmbeddings(), 0, 0.07, null, mlp, 8);
        assertTrue(other.contrastEmbeds(pixels).sub(z).amaxNumber().doubleValue() > 1e-3, "seed ignored");
        // without the contrastive term nothing reaches the projection: it is not a trained parameter, and a step works
        assertTrue(!key.parameterNames().contains(FineTuneNetwork.PROJ_W1), key.parameterNames().toString());
        FineTuneNetwork.Step ce = key.gradients(pixels, oneHot(6, 10), Nd4j.ones(DataType.FLOAT, 6), null, null);
        assertTrue(ce.ce() > 0 && ce.gradients().keySet().containsAll(key.parameterNames()));
    }

    @Test
    void microBatchesAddUpToTheWholeBatch() {
        for (double gamma : new double[] {0, 0.5}) {
            FineTuneNetwork net = FineTuneNetwork.create(model, zs.classEmbeddings(), gamma, 0.07);
            INDArray keys = gamma > 0 ? model.encodeImages(pixels.mul(0.9)) : null;
            INDArray queue = gamma > 0 ? Nd4j.randn(DataType.FLOAT, 16, 64) : null;
            INDArray w = Nd4j.createFromArray(1f, 0f, 1f, 1f, 0f, 1f);
            FineTuneNetwork.Step whole = PhaseTwoTrainer.step(net, pixels, oneHot(6, 10), w, keys, queue, 0);
            FineTuneNetwork.Step parts = PhaseTwoTrainer.step(net, pixels, oneHot(6, 10), w, keys, queue, 4);
            assertEquals(whole.loss(), parts.loss(), 1e-5);
            assertEquals(whole.contrastive(), parts.contrastive(), 1e-5);
            for (String p : net.parameterNames()) {
                INDArray a = whole.gradients().get(p);
                double scale = Math.max(1e-3, a.amaxNumber().doubleValue());
                assertTrue(a.sub(parts.gradients().get(p)).amaxNumber().doubleValue() < 1e-4 * scale,
                        "gamma " + gamma + ": micro-batch gradient of " + p + " differs");
            }
        }
    }

    @Test
    void savedClassifierRunsAloneAndBadFilesAreNamed(@TempDir Path dir) throws Exception {
        FineTuneNetwork net = FineTuneNetwork.create(model, zs.classEmbeddings(), 0, 0.07);
        Path f = dir.resolve("classifier-u.fb");
        Classifier.save(net, f);
        Classifier c = Classifier.load(List.of(f), model.preprocess(), TestModels.FASHION);
        INDArray expected = Transforms.softmax(net.logits(pixels).castTo(DataType.DOUBLE), true);
        assertEquals(0.0, c.probabilities(pixels).sub(expected).amaxNumber().doubleValue(), 1e-6);
        // two graphs: the mean of their probabilities
        Classifier two = Classifier.load(List.of(f, f), model.preprocess(), TestModels.FASHION);
        assertEquals(0.0, two.probabilities(pixels).sub(expected).amaxNumber().doubleValue(), 1e-6);
        var missing = assertThrows(java.io.IOException.class, () -> Classifier.load(List.of(dir.resolve("nope.fb")),
                model.preprocess(), TestModels.FASHION));
        assertTrue(missing.getMessage().contains("nope.fb"), missing.getMessage());
        var wrong = assertThrows(java.io.IOException.class, () -> Classifier.load(List.of(f), model.preprocess(),
                List.of("a", "b")));
        assertTrue(wrong.getMessage().contains("10 classes"), wrong.getMessage());
        Files.writeString(dir.resolve("junk.fb"), "not a graph");
        assertThrows(java.io.IOException.class, () -> Classifier.load(List.of(dir.resolve("junk.fb")),
                model.preprocess(), TestModels.FASHION));
    }
}
