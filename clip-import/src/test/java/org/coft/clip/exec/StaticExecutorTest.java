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
        try (StaticExecutor plan = StaticExecutor.plan(grad, Map.of(px, x0), outs)) {
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
