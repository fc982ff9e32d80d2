package org.coft.clip.onnx.passes;

import static org.coft.clip.onnx.parity.OnnxModelBuilder.FLOAT;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intsAttr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.coft.clip.onnx.parity.OnnxModelBuilder;
import org.coft.clip.onnx.parity.ParityCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Before/after tests of the fusion passes: each pattern is imported with fusion off and on, both imports match
 * ONNX Runtime, and with fusion on the report shows the fused op and none of the pattern's ops.
 */
class FusionPassTest {
    @TempDir
    Path dir;

    private static INDArray rand(long... shape) {
        Nd4j.getRandom().setSeed(java.util.Arrays.hashCode(shape) + 7);
        return Nd4j.rand(DataType.FLOAT, shape).muli(2).subi(1);
    }

    /** Imports with fusion off and on, checks both against ORT, returns {unfused, fused} runtime op counts. */
    private Map<String, Integer>[] beforeAfter(OnnxModelBuilder model, String pass, int expectedRewrites)
            throws Exception {
        Path off = Files.createDirectory(dir.resolve("off"));
        Path on = Files.createDirectory(dir.resolve("on"));
        OnnxGraph unfused = ParityCase.of(model).options(ImportOptions.defaults().withFusion(false)).check(off);
        OnnxGraph fused = ParityCase.of(model).check(on);
        assertEquals(expectedRewrites, fused.report().fusions().get(pass), "rewrites by " + pass + ": " + fused.report());
        @SuppressWarnings("unchecked")
        Map<String, Integer>[] out = new Map[] {unfused.report().runtimeOps(), fused.report().runtimeOps()};
        return out;
    }

    // ---- layer norm -----------------------------------------------------------------------------------------

    /** The opset-14 export of nn.LayerNorm: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add. */
    private static OnnxModelBuilder decomposedLayerNorm(boolean squareAsMul, boolean epsFirst) {
        OnnxModelBuilder b = new OnnxModelBuilder(14).input("x", FLOAT, "N", 3, 8)
                .initializer("eps", Nd4j.scalar(1e-5f)).initializer("gamma", rand(8)).initializer("beta", rand(8))
                .node("ReduceMean", "x", "mean", intsAttr("axes", -1))
                .node("Sub", "x,mean", "d");
        b = squareAsMul ? b.node("Mul", "d,d", "sq") : b.initializer("two", Nd4j.scalar(2f)).node("Pow", "d,two", "sq");
        return b.node("ReduceMean", "sq", "var", intsAttr("axes", -1))
                .node("Add", epsFirst ? "eps,var" : "var,eps", "ve")
                .node("Sqrt", "ve", "std")
                .node("Div", "d,std", "n")
                .node("Mul", "n,gamma", "g")
                .node("Add", "g,beta", "y")
                .output("y", FLOAT);
    }

    @Test
    void layerNormFusionOnOpset14Export() throws Exception {
        Map<String, Integer>[] ops = beforeAfter(decomposedLayerNorm(false, false), "layer-norm fusion", 1);
        assertEquals(1, ops[0].get("Pow"), "unfused: " + ops[0]);
        assertEquals(Map.of("LayerNormalization", 1), ops[1]);
    }

    @Test
    void layerNormFusionWithMulSquareAndEpsilonFirst() throws Exception {
        Map<String, Integer>[] ops = beforeAfter(decomposedLayerNorm(true, true), "layer-norm fusion", 1);
        assertEquals(Map.of("LayerNormalization", 1), ops[1]);
    }

    @Test
    void layerNormFusionWithAxesInputOpset18() throws Exception {
        OnnxModelBuilder b = new OnnxModelBuilder(18).input("x", FLOAT, "N", 3, 8)
                .initializer("ax", Nd4j.createFromArray(-1L)).initializer("two", Nd4j.scalar(2f))
                .initializer("eps", Nd4j.scalar(1e-6f)).initializer("gamma", rand(8))
                .node("ReduceMean", "x,ax", "mean").node("Sub", "x,mean", "d").node("Pow", "d,two", "sq")
                .node("ReduceMean", "sq,ax", "var").node("Add", "var,eps", "ve").node("Sqrt", "ve", "std")
                .node("Div", "d,std", "n").node("Mul", "gamma,n", "y").output("y", FLOAT);
        Map<String, Integer>[] ops = beforeAfter(b, "layer-norm fusion", 1);
        assertEquals(Map.of("LayerNormalization", 1), ops[1]);
    }

    @Test
    void layerNormOverNonLastAxisIsNotFused() throws Exception {
        OnnxModelBuilder b = new OnnxModelBuilder(14).input("x", FLOAT, "N", 3, 8)
                .initializer("two", Nd4j.scalar(2f)).initializer("eps", Nd4j.scalar(1e-5f))
                .node("ReduceMean", "x", "mean", intsAttr("axes", 1)).node("Sub", "x,mean", "d")
                .node("Pow", "d,two", "sq").node("ReduceMean", "sq", "var", intsAttr("axes", 1))
                .node("Add", "var,eps", "ve").node("Sqrt", "ve", "std").node("Div", "d,std", "y").output("y", FLOAT);
        Map<String, Integer>[] ops = beforeAfter(b, "layer-norm fusion", 0);
        assertEquals(ops[0], ops[1]);
    }

    // ---- quick GELU -----------------------------------------------------------------------------------------

    @Test
    void quickGeluFusion() throws Exception {
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("x", FLOAT, "N", 3, 8)
                .initializer("alpha", Nd4j.scalar(1.702f))
                .node("Mul", "x,alpha", "s").node("Sigmoid", "s", "sg").node("Mul", "x,sg", "y")
                .node("Mul", "alpha,y", "s2").node("Sigmoid", "s2", "sg2").node("Mul", "sg2,y", "z")
                .output("z", FLOAT);
        Map<String, Integer>[] ops = beforeAfter(b, "quick-gelu fusion", 2);
        assertEquals(2, ops[0].get("Sigmoid"), "unfused: " + ops[0]);
        assertEquals(Map.of("QuickGelu", 2), ops[1]);
    }

    @Test
    void sigmoidOfAnotherTensorIsNotQuickGelu() throws Exception {
        // x * sigmoid(1.702 * w): the scaled tensor is not the multiplied one
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("x", FLOAT, "N", 8).input("w", FLOAT, "N", 8)
                .initializer("alpha", Nd4j.scalar(1.702f))
                .node("Mul", "w,alpha", "s").node("Sigmoid", "s", "sg").node("Mul", "x,sg", "y").output("y", FLOAT);
        Map<String, Integer>[] ops = beforeAfter(b, "quick-gelu fusion", 0);
        assertEquals(ops[0], ops[1]);
    }

    // ---- linear ---------------------------------------------------------------------------------------------

    @Test
    void linearFusion() throws Exception {
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("x", FLOAT, "N", 3, 4).input("v", FLOAT, "N", 4)
                .initializer("w", rand(4, 5)).initializer("b", rand(5)).initializer("b2", rand(1, 5))
                .node("MatMul", "x,w", "t").node("Add", "t,b", "y")          // rank 3, bias on the right
                .node("MatMul", "v,w", "u").node("Add", "b2,u", "z")         // rank 2, [1,5] bias on the left
                .output("y", FLOAT).output("z", FLOAT);
        Map<String, Integer>[] ops = beforeAfter(b, "linear fusion", 2);
        assertEquals(2, ops[0].get("MatMul"), "unfused: " + ops[0]);
        assertEquals(Map.of("Linear", 2), ops[1]);
    }

    @Test
    void linearFusionKeepsResidualAdd() throws Exception {
        // MatMul + Add of a run-time tensor: the MatMul becomes Linear without bias, the Add stays
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("x", FLOAT, "N", 3, 4).input("r", FLOAT, "N", 3, 5)
                .initializer("w", rand(4, 5))
                .node("MatMul", "x,w", "t").node("Add", "t,r", "y").output("y", FLOAT);
        Map<String, Integer>[] ops = beforeAfter(b, "linear fusion", 1);
        assertEquals(Map.of("Linear", 1, "Add", 1), ops[1]);
    }

    @Test
    void sharedRank2BiasKeepsItsShapeForOtherConsumers() throws Exception {
        // the [1,5] bias is also added to a run-time [5] tensor, whose result must stay [1,5]
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("x", FLOAT, "N", 4).input("r", FLOAT, 5)
                .initializer("w", rand(4, 5)).initializer("b2", rand(1, 5))
                .node("MatMul", "x,w", "t").node("Add", "t,b2", "y").node("Add", "b2,r", "z")
                .output("y", FLOAT).output("z", FLOAT);
        Map<String, Integer>[] ops = beforeAfter(b, "linear fusion", 1);
        assertEquals(Map.of("Linear", 1, "Add", 1), ops[1]);
    }

    @Test
    void matMulOutputThatIsAGraphOutputKeepsItsValue() throws Exception {
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("x", FLOAT, "N", 4)
                .initializer("w", rand(4, 5)).initializer("b", rand(5))
                .node("MatMul", "x,w", "t").node("Add", "t,b", "y").output("t", FLOAT).output("y", FLOAT);
        Map<String, Integer>[] ops = beforeAfter(b, "linear fusion", 1);
        assertTrue(ops[1].containsKey("Linear"), ops[1].toString());
        assertFalse(ops[1].containsKey("MatMul"), ops[1].toString());
    }

    // ---- expand sinking -------------------------------------------------------------------------------------

    /**
     * Hugging Face CLIP's attention mask: Expand [N,1,1,L] → [N,1,L,L] (bidirectional, so the batch stays dynamic),
     * Cast, 1 − x, Cast to bool, Where(·, finfo.min, ·), added to the attention scores [N,H,L,L]; {@code tail} is the
     * mask value's consumer ("add": that Add; "output": also a graph output; "matmul": a MatMul, which does not
     * broadcast like an element-wise op).
     */
    private static OnnxModelBuilder attentionMask(String tail) {
        OnnxModelBuilder b = new OnnxModelBuilder(14)
                .input("mask", OnnxModelBuilder.INT64, "N", 1, 1, 4).input("scores", FLOAT, "N", 2, 4, 4)
                .initializer("shape", Nd4j.createFromArray(1L, 1L, 4L, 4L))
                .initializer("one", Nd4j.scalar(1f)).initializer("min", Nd4j.scalar(-3.4028235e38f))
                .node("Expand", "mask,shape", "e")
                .node("Cast", "e", "ef", OnnxModelBuilder.intAttr("to", FLOAT))
                .node("Sub", "one,ef", "inv")
                .node("Cast", "inv", "ib", OnnxModelBuilder.intAttr("to", OnnxModelBuilder.BOOL))
                .node("Where", "ib,min,inv", "m");
        b = tail.equals("matmul") ? b.node("MatMul", "scores,m", "y") : b.node("Add", "scores,m", "y");
        b = b.output("y", FLOAT);
        return tail.equals("output") ? b.output("m", FLOAT) : b;
    }

    private OnnxGraph maskCase(String tail, boolean fuse) throws Exception {
        Path d = Files.createDirectory(dir.resolve(tail + fuse));
        return ParityCase.of(attentionMask(tail)).gen("mask", ParityCase.ints(0, 1)).batches(1, 3)
                .options(ImportOptions.defaults().withFusion(fuse)).check(d);
    }

    @Test
    void expandSinkingRunsTheAttentionMaskOnTheUnexpandedTensor() throws Exception {
        OnnxGraph unfused = maskCase("add", false);
        OnnxGraph sunk = maskCase("add", true);
        assertEquals(1, sunk.report().fusions().get("expand sinking"), sunk.report().toString());
        assertEquals(1, unfused.report().runtimeOps().get("Expand"), unfused.report().toString());
        assertFalse(sunk.report().runtimeOps().containsKey("Expand"), sunk.report().toString());
        // the same values, bit for bit, as the expanded computation (both also match ONNX Runtime above)
        ParityCase inputs = ParityCase.of(attentionMask("add")).gen("mask", ParityCase.ints(0, 1));
        for (long b : new long[] {1, 3}) {
            Map<String, INDArray> in = inputs.inputs(b);
            assertEquals(unfused.run(in).get("y"), sunk.run(in).get("y"), "batch " + b);
        }
    }

    @Test
    void expandSinkingLeavesAnExpandWhoseChainIsAnOutputOrFeedsANonElementwiseOp() throws Exception {
        for (String tail : new String[] {"output", "matmul"}) {
            OnnxGraph g = maskCase(tail, true);
            assertEquals(0, g.report().fusions().get("expand sinking"), tail + ": " + g.report());
            assertEquals(1, g.report().runtimeOps().get("Expand"), tail + ": " + g.report());
        }
    }
}
