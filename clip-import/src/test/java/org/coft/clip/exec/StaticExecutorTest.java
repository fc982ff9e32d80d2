package org.coft.clip.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.Fixtures;
import org.coft.clip.model.ClipModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Static plans against SameDiff's own execution on the same graphs: the tiny CLIP image tower forward and its full
 * backward (bit-identical values, also on a second call whose arrays reuse the first call's buffers, and after the
 * weights were updated in place), liveness-based buffer reuse, and the refusals.
 */
class StaticExecutorTest {
    static ClipModel model;

    @BeforeAll
    static void load() throws Exception {
        model = ClipModel.load(Fixtures.path("clip-tiny-hf"));
    }

    private static INDArray pixels(long seed, int n) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.FLOAT, n, 3, model.preprocess().outputHeight(), model.preprocess().outputWidth());
    }

    @Test
    void towerForwardEqualsSameDiffBitForBitOnEveryCall() {
        SameDiff sd = model.vision().sameDiff();
        String pixelsVar = onlyPlaceholder(sd);
        String out = outputOf(sd);
        INDArray x = pixels(1, 3);
        try (StaticExecutor plan = StaticExecutor.plan(sd, Map.of(pixelsVar, x), List.of(out))) {
            for (long seed = 2; seed < 5; seed++) {
                INDArray xi = pixels(seed, 3);
                INDArray ref = sd.output(Map.of(pixelsVar, xi), out).get(out);
                INDArray ours = plan.run(Map.of(pixelsVar, xi)).get(out);
                assertEquals(ref, ours, "call with seed " + seed);
            }
            assertTrue(plan.foldedOps() > 0, "the shape arithmetic should be folded at planning time");
            assertTrue(plan.viewOps() > 0, "contiguous reshapes should be views");
            assertTrue(plan.opCalls() < sd.getOps().size(), plan.opCalls() + " calls for " + sd.getOps().size() + " ops");
        }
    }

    @Test
    void backwardEqualsSameDiffAndSeesInPlaceUpdates() {
        SameDiff sd = SameDiff.create();
        var defined = model.vision().graph().defineInto(sd, "v/", Map.of(), true);
        SDVariable emb = defined.outputs().get(model.vision().output());
        SDVariable loss = emb.mul(emb).sum().mul(0.5).rename("loss");
        sd.setLossVariables(loss);
        String px = defined.emitted().inputs().get(model.pixelInput());
        List<String> params = new ArrayList<>(defined.emitted().weights().values());
        INDArray x0 = pixels(7, 4);
        sd.calculateGradients(Map.of(px, x0), params);
        SameDiff grad = sd.getFunction("grad");
        List<String> outs = new ArrayList<>(List.of("loss"));
        for (String p : params) {
            outs.add(sd.getVariable(p).getGradient().name());
        }
        try (StaticExecutor plan = StaticExecutor.plan(grad, Map.of(px, x0), outs, false)) {
            assertEquals(0, plan.kernelOps());
            for (int call = 0; call < 3; call++) {
                INDArray x = pixels(10 + call, 4);
                var ref = sd.calculateGradientsAndOutputs(Map.of(px, x), List.of("loss"), params);
                Map<String, INDArray> ours = plan.run(Map.of(px, x));
                assertEquals(ref.getOutputs().get("loss").getDouble(0), ours.get("loss").getDouble(0), 0.0);
                for (String p : params) {
                    assertEquals(ref.getGradients().get(p), ours.get(sd.getVariable(p).getGradient().name()),
                            "gradient of " + p + " at call " + call);
                }
                // an optimiser step written into the graph's own arrays is what the next call sees
                for (String p : params) {
                    sd.getVariable(p).getArr().subi(ref.getGradients().get(p).mul(1e-3));
                }
            }
            // the same through GradientPlans, the wrapper the trainers use
            try (GradientPlans gp = new GradientPlans(sd, List.of("loss"), params, 2)) {
                INDArray x = pixels(20, 4);
                var ref = sd.calculateGradientsAndOutputs(Map.of(px, x), List.of("loss"), params);
                GradientPlans.Result r = gp.run(Map.of(px, x));
                assertEquals(ref.getOutputs().get("loss"), r.outputs().get("loss"));
                assertEquals(List.copyOf(params), List.copyOf(r.gradients().keySet()));
                for (String p : params) {
                    assertEquals(ref.getGradients().get(p), r.gradients().get(p), "gradient of " + p);
                }
            }
            assertTrue(plan.poolBytes() < plan.intermediateBytes() / 2, "buffers should be reused: pool "
                    + plan.poolBytes() + " bytes for " + plan.intermediateBytes() + " bytes of intermediates");
        }
        // with the plan's own kernels (quick GELU from its saved sigmoid, wide bias gradients as products): the
        // same loss bit for bit (the forward is unchanged), gradients equal to float rounding, on every call
        try (StaticExecutor plan = StaticExecutor.plan(grad, Map.of(px, x0), outs, true)) {
            assertTrue(plan.kernelOps() > 0, "the tower's quick GELUs should run on the plan's kernels");
            for (int call = 0; call < 3; call++) {
                INDArray x = pixels(30 + call, 4);
                var ref = sd.calculateGradientsAndOutputs(Map.of(px, x), List.of("loss"), params);
                Map<String, INDArray> ours = plan.run(Map.of(px, x));
                assertEquals(ref.getOutputs().get("loss").getDouble(0), ours.get("loss").getDouble(0), 0.0);
                // relative to the largest gradient entry of the whole tower (the key projection's bias has an
                // exactly-zero gradient in exact arithmetic, so its own scale is rounding noise)
                double scale = 0;
                for (String p : params) {
                    scale = Math.max(scale, ref.getGradients().get(p).amaxNumber().doubleValue());
                }
                for (String p : params) {
                    INDArray r = ref.getGradients().get(p);
                    INDArray o = ours.get(sd.getVariable(p).getGradient().name());
                    double err = r.sub(o).amaxNumber().doubleValue() / scale;
                    assertTrue(err < 1e-5, "gradient of " + p + " at call " + call + ": max error " + err
                            + " of the largest gradient entry");
                }
            }
        }
    }

    /**
     * A two-layer MLP 256 wide with quick GELU (what CLIP's blocks hold): the plan's kernels replace both bias
     * gradients (the input gradient a view of the incoming one) and the GELU pair, and the gradients match SameDiff's.
     */
    @Test
    void ownKernelsMatchSameDiffOnAWideMlp() {
        SameDiff sd = geluMlp(3, 256, 0.1, 0.1, 0.1, 0.1);
        INDArray x0 = Nd4j.randn(DataType.FLOAT, 96, 256);
        try (StaticExecutor plan = gradientPlan(sd, x0, false)) {
            assertEquals(4, plan.kernelOps(), "two bias gradients, quick GELU and its derivative");
            for (int call = 0; call < 2; call++) {
                // the forward is libnd4j's own here: the same loss bit for bit
                assertGradientsMatch(sd, plan, Nd4j.randn(DataType.FLOAT, 96, 256), 0.0, "call " + call);
            }
        }
        // below the width where the product pays, the bias gradient stays libnd4j's; quick GELU still runs on ours
        SameDiff narrow = SameDiff.create();
        SDVariable xn = narrow.placeHolder("x", DataType.FLOAT, -1, 32);
        SDVariable bn = narrow.var("b", Nd4j.randn(DataType.FLOAT, 32));
        SDVariable ln = narrow.nn.gelu(narrow.nn.biasAdd(xn, bn, false)).sum().rename("loss");
        narrow.setLossVariables(ln);
        narrow.calculateGradients(Map.of("x", Nd4j.randn(DataType.FLOAT, 8, 32)), List.of("b"));
        try (StaticExecutor plan = StaticExecutor.plan(narrow.getFunction("grad"), Map.of("x",
                Nd4j.randn(DataType.FLOAT, 8, 32)), List.of(bn.getGradient().name()), true)) {
            assertEquals(2, plan.kernelOps());
        }
    }

    /**
     * Quick GELU's sigmoid through {@code tanh} (σ(z) = ½ + ½·tanh(z / 2), the route plans take where oneDNN's
     * vectorised {@code tanh} is loaded; forced here, as tests run the generic build): a forward with no derivative
     * and the forward + backward of a 64-wide MLP (whose bias gradients are now products too) equal SameDiff's to float
     * rounding. Without the route the forward stays bit-identical.
     */
    @Test
    void quickGeluThroughTanhMatchesSameDiff() {
        SameDiff sd = geluMlp(11, 64, 0.5, 0.5, 0.2, 0.1);
        INDArray x0 = Nd4j.randn(DataType.FLOAT, 80, 64).muli(2);
        for (boolean tanh : new boolean[] {true, false}) {
            try (StaticExecutor plan = StaticExecutor.plan(sd, Map.of("x", x0), List.of("h"), true, tanh)) {
                assertEquals(tanh ? 1 : 0, plan.kernelOps(), "the forward's quick GELU, tanh route " + tanh);
                for (int call = 0; call < 2; call++) {
                    INDArray xi = Nd4j.randn(DataType.FLOAT, 80, 64).muli(2);
                    INDArray ref = sd.output(Map.of("x", xi), "h").get("h");
                    INDArray ours = plan.run(Map.of("x", xi)).get("h");
                    if (tanh) {
                        double err = ref.sub(ours).amaxNumber().doubleValue() / ref.amaxNumber().doubleValue();
                        assertTrue(err < 1e-6, "quick GELU through tanh, call " + call + ": relative error " + err);
                    } else {
                        assertEquals(ref, ours, "libnd4j's own gelu, call " + call);
                    }
                }
            }
        }
        try (StaticExecutor plan = gradientPlan(sd, x0, true)) {
            assertEquals(4, plan.kernelOps(), "two 64-wide bias gradients, quick GELU and its derivative");
            for (int call = 0; call < 2; call++) {
                assertGradientsMatch(sd, plan, Nd4j.randn(DataType.FLOAT, 80, 64).muli(2), 1e-6, "call " + call);
            }
        }
    }

    private static final List<String> MLP_PARAMS = List.of("w1", "b1", "w2", "b2");

    /** x → h = gelu(x·w1 + b1) → z = h·w2 + b2 → loss = ½·Σz², width × width weights scaled as given. */
    private static SameDiff geluMlp(long seed, int width, double w1, double b1, double w2, double b2) {
        Nd4j.getRandom().setSeed(seed);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, width);
        SDVariable vw1 = sd.var("w1", Nd4j.randn(DataType.FLOAT, width, width).muli(w1));
        SDVariable vb1 = sd.var("b1", Nd4j.randn(DataType.FLOAT, width).muli(b1));
        SDVariable vw2 = sd.var("w2", Nd4j.randn(DataType.FLOAT, width, width).muli(w2));
        SDVariable vb2 = sd.var("b2", Nd4j.randn(DataType.FLOAT, width).muli(b2));
        SDVariable h = sd.nn.gelu(sd.nn.biasAdd(x.mmul(vw1), vb1, false)).rename("h");
        SDVariable z = sd.nn.biasAdd(h.mmul(vw2), vb2, false);
        sd.setLossVariables(z.mul(z).sum().mul(0.5).rename("loss"));
        return sd;
    }

    /** A plan of {@code sd}'s gradient function giving the loss and every parameter's gradient, kernels on. */
    private static StaticExecutor gradientPlan(SameDiff sd, INDArray x0, boolean tanhSigmoid) {
        sd.calculateGradients(Map.of("x", x0), MLP_PARAMS);
        List<String> outs = new ArrayList<>(List.of("loss"));
        for (String p : MLP_PARAMS) {
            outs.add(sd.getVariable(p).getGradient().name());
        }
        return StaticExecutor.plan(sd.getFunction("grad"), Map.of("x", x0), outs, true, tanhSigmoid);
    }

    /** The plan's loss (within {@code lossTol} relative) and gradients (within 1e-5 relative) against SameDiff's. */
    private static void assertGradientsMatch(SameDiff sd, StaticExecutor plan, INDArray x, double lossTol, String what) {
        var ref = sd.calculateGradientsAndOutputs(Map.of("x", x), List.of("loss"), MLP_PARAMS);
        Map<String, INDArray> ours = plan.run(Map.of("x", x));
        double l = ref.getOutputs().get("loss").getDouble(0);
        assertEquals(l, ours.get("loss").getDouble(0), Math.abs(l) * lossTol, "loss, " + what);
        for (String p : MLP_PARAMS) {
            INDArray r = ref.getGradients().get(p);
            INDArray o = ours.get(sd.getVariable(p).getGradient().name());
            double err = r.sub(o).amaxNumber().doubleValue() / r.amaxNumber().doubleValue();
            assertTrue(err < 1e-5, "gradient of " + p + ", " + what + ": relative error " + err);
        }
    }

    @Test
    void theTanhRouteIsOffOnTheGenericBuildAndABadChoiceIsRefusedByName() {
        String key = "coft.exec.tanhSigmoid";
        String before = System.getProperty(key);
        try {
            System.clearProperty(key);
            assertTrue(!StaticExecutor.decideTanhSigmoid(), "the tests' generic build has no oneDNN tanh");
            System.setProperty(key, "true");
            assertTrue(StaticExecutor.decideTanhSigmoid());
            System.setProperty(key, "yes");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    StaticExecutor::decideTanhSigmoid);
            assertTrue(e.getMessage().contains("coft.exec.tanhSigmoid=yes") && e.getMessage().contains("auto"),
                    e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }

    /**
     * A patch embedding (kernel = stride) on pixels, with and without a bias: the plan computes its weight (and bias)
     * gradient as a product of the input's patches with the output gradient — equal to libnd4j's {@code conv2d_bp} to
     * float rounding — and leaves {@code conv2d_bp} alone where it does not apply (overlapping windows, or an input
     * gradient that something reads).
     */
    @Test
    void patchEmbeddingGradientsAsProducts() {
        for (boolean bias : new boolean[] {false, true}) {
            for (int stride : new int[] {4, 2}) {
                for (boolean inputGrad : new boolean[] {false, true}) {
                    Nd4j.getRandom().setSeed(5);
                    SameDiff sd = SameDiff.create();
                    SDVariable x = inputGrad ? sd.var("x", Nd4j.randn(DataType.FLOAT, 6, 3, 16, 12))
                            : sd.placeHolder("x", DataType.FLOAT, -1, 3, 16, 12);
                    SDVariable w = sd.var("w", Nd4j.randn(DataType.FLOAT, 4, 4, 3, 40).muli(0.2));
                    SDVariable b = sd.var("b", Nd4j.randn(DataType.FLOAT, 40));
                    var cfg = org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig.builder()
                            .kH(4).kW(4).sH(stride).sW(stride).pH(0).pW(0).dH(1).dW(1).paddingMode(org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode.VALID)
                            .dataFormat("NCHW").build();
                    SDVariable y = bias ? sd.cnn.conv2d(x, w, b, cfg) : sd.cnn.conv2d(x, w, cfg);
                    SDVariable r = sd.constant("r", Nd4j.randn(DataType.FLOAT, y.eval(inputGrad ? Map.of()
                            : Map.of("x", Nd4j.randn(DataType.FLOAT, 6, 3, 16, 12))).shape()));
                    SDVariable loss = y.mul(r).sum().rename("loss");
                    sd.setLossVariables(loss);
                    List<String> params = new ArrayList<>(bias ? List.of("w", "b") : List.of("w"));
                    if (inputGrad) {
                        params.add("x");
                    }
                    Map<String, INDArray> ph = inputGrad ? Map.of()
                            : Map.of("x", Nd4j.randn(DataType.FLOAT, 6, 3, 16, 12));
                    sd.calculateGradients(ph, params);
                    List<String> outs = new ArrayList<>(List.of("loss"));
                    for (String p : params) {
                        outs.add(sd.getVariable(p).getGradient().name());
                    }
                    String what = "bias " + bias + ", stride " + stride + ", input gradient " + inputGrad;
                    try (StaticExecutor plan = StaticExecutor.plan(sd.getFunction("grad"), ph, outs, true)) {
                        assertEquals(stride == 4 && !inputGrad ? 1 : 0, plan.kernelOps(), what);
                        for (int call = 0; call < 2; call++) {
                            Map<String, INDArray> in = inputGrad ? Map.of()
                                    : Map.of("x", Nd4j.randn(DataType.FLOAT, 6, 3, 16, 12));
                            var ref = sd.calculateGradientsAndOutputs(in, List.of("loss"), params);
                            Map<String, INDArray> ours = plan.run(in);
                            for (String p : params) {
                                INDArray want = ref.getGradients().get(p);
                                INDArray got = ours.get(sd.getVariable(p).getGradient().name());
                                double err = want.sub(got).amaxNumber().doubleValue()
                                        / want.amaxNumber().doubleValue();
                                assertTrue(err < 1e-5, what + ": gradient of " + p + " at call " + call
                                        + ": relative error " + err);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void returnedArraysBelongToThePlanAndTheCacheKeysByShape() {
        SameDiff sd = model.vision().sameDiff();
        String pixelsVar = onlyPlaceholder(sd);
        String out = outputOf(sd);
        try (PlanCache cache = new PlanCache(sd, List.of(out), 2)) {
            INDArray a = cache.run(Map.of(pixelsVar, pixels(1, 2))).get(out);
            INDArray a2 = cache.run(Map.of(pixelsVar, pixels(2, 2))).get(out);
            assertTrue(a == a2, "the same plan returns its same output array");
            cache.run(Map.of(pixelsVar, pixels(3, 5)));
            cache.run(Map.of(pixelsVar, pixels(4, 1)));
            assertEquals(2, cache.plans().size(), "capacity 2 keeps the two most recent shapes");
            INDArray b = cache.run(Map.of(pixelsVar, pixels(4, 1))).get(out);
            assertNotSame(a, b);
            assertArrayEquals(new long[] {1, b.size(1)}, b.shape());
        }
    }

    @Test
    void badInputsAreRefusedWithTheirNames() {
        SameDiff sd = model.vision().sameDiff();
        String pixelsVar = onlyPlaceholder(sd);
        String out = outputOf(sd);
        var e1 = assertThrows(IllegalArgumentException.class,
                () -> StaticExecutor.plan(sd, Map.of(pixelsVar, pixels(1, 2)), List.of("no_such_output")));
        assertTrue(e1.getMessage().contains("no_such_output"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> StaticExecutor.plan(sd, Map.of(), List.of(out)));
        assertTrue(e2.getMessage().contains(pixelsVar), e2.getMessage());
        try (StaticExecutor plan = StaticExecutor.plan(sd, Map.of(pixelsVar, pixels(1, 2)), List.of(out))) {
            var e3 = assertThrows(IllegalArgumentException.class, () -> plan.run(Map.of(pixelsVar, pixels(1, 3))));
            assertTrue(e3.getMessage().contains(pixelsVar) && e3.getMessage().contains("[3, "), e3.getMessage());
            var e4 = assertThrows(IllegalArgumentException.class, () -> plan.run(new HashMap<>()));
            assertTrue(e4.getMessage().contains(pixelsVar), e4.getMessage());
        }
        SameDiff r = SameDiff.create();
        SDVariable in = r.placeHolder("in", DataType.FLOAT, 2, 3);
        r.nn.dropout("drop", in, 0.5);
        var e5 = assertThrows(UnsupportedOperationException.class,
                () -> StaticExecutor.plan(r, Map.of("in", Nd4j.ones(DataType.FLOAT, 2, 3)), List.of("drop")));
        assertTrue(e5.getMessage().contains("random"), e5.getMessage());
    }

    private static String onlyPlaceholder(SameDiff sd) {
        return model.vision().variable(model.pixelInput()).name();
    }

    private static String outputOf(SameDiff sd) {
        return model.vision().variable(model.vision().output()).name();
    }
}
