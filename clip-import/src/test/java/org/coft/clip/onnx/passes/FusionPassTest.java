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

    // ---- pooled-row sinking -----------------------------------------------------------------------------------

    /**
     * A CLIP encoder layer after its attention, width 8: the attention output {@code a} through the output projection
     * into the residual stream {@code x}, layer norm, MLP with QuickGELU (8 → 16 → 8), residual; result {@code out}.
     */
    private static OnnxModelBuilder lastLayer(OnnxModelBuilder b, String out) {
        return b.initializer("wo", rand(8, 8)).initializer("bo", rand(8)).initializer("g2", rand(8))
                .initializer("b2", rand(8)).initializer("w1", rand(8, 16)).initializer("c1", rand(16))
                .initializer("k", Nd4j.scalar(1.702f)).initializer("w2", rand(16, 8)).initializer("c2", rand(8))
                .node("MatMul", "a,wo", "ao").node("Add", "bo,ao", "ao2").node("Add", "x,ao2", "h")
                .node("LayerNormalization", "h,g2,b2", "l2", OnnxModelBuilder.intAttr("axis", -1))
                .node("MatMul", "l2,w1", "f1").node("Add", "c1,f1", "f1b").node("Mul", "f1b,k", "m")
                .node("Sigmoid", "m", "s").node("Mul", "f1b,s", "gl").node("MatMul", "gl,w2", "f2")
                .node("Add", "c2,f2", "f2b").node("Add", "h,f2b", out);
    }

    /**
     * The last layer of Hugging Face's CLIP text tower and its end-of-text pooling: the attention output {@code a}
     * through the output projection into the residual stream {@code x}, layer norm, MLP with QuickGELU, residual,
     * final layer norm, then {@code Gather(Flatten(·, 2), argmax(ids) + range(N)·L)} and the projection.
     * {@code lastHiddenOut}: the final layer norm's value is also a graph output (it must then stay whole).
     */
    private static OnnxModelBuilder pooledTail(boolean lastHiddenOut) {
        OnnxModelBuilder b = lastLayer(new OnnxModelBuilder(17).input("x", FLOAT, "N", 4, 8)
                .input("a", FLOAT, "N", 4, 8).input("ids", OnnxModelBuilder.INT64, "N", 4), "o")
                .initializer("gf", rand(8)).initializer("bf", rand(8)).initializer("proj", rand(8, 5))
                .initializer("zero", Nd4j.scalar(0L)).initializer("one", Nd4j.scalar(1L))
                .initializer("four", Nd4j.scalar(4L))
                .node("LayerNormalization", "o,gf,bf", "last", OnnxModelBuilder.intAttr("axis", -1))
                .node("Shape", "ids", "sh").node("Gather", "sh,zero", "n", OnnxModelBuilder.intAttr("axis", 0))
                .node("Range", "zero,n,one", "r").node("Mul", "r,four", "r4")
                .node("ArgMax", "ids", "am", OnnxModelBuilder.intAttr("axis", -1), OnnxModelBuilder.intAttr("keepdims", 0))
                .node("Add", "am,r4", "idx")
                .node("Flatten", "last", "flat", OnnxModelBuilder.intAttr("axis", 2))
                .node("Gather", "flat,idx", "pooled", OnnxModelBuilder.intAttr("axis", 0))
                .node("MatMul", "pooled,proj", "y").output("y", FLOAT);
        return lastHiddenOut ? b.output("last", FLOAT) : b;
    }

    private OnnxGraph pooledCase(boolean lastHiddenOut, boolean fuse) throws Exception {
        Path d = Files.createDirectory(dir.resolve("pooled" + lastHiddenOut + fuse));
        return ParityCase.of(pooledTail(lastHiddenOut)).gen("ids", ParityCase.ints(0, 9)).batches(1, 3)
                .options(ImportOptions.defaults().withFusion(fuse)).check(d);
    }

    @Test
    void pooledRowSinkingRunsTheLastLayersTailOnThePooledRowsOnly() throws Exception {
        OnnxGraph whole = pooledCase(false, false);
        OnnxGraph pooled = pooledCase(false, true); // both match ONNX Runtime (checked inside)
        assertEquals(1, pooled.report().fusions().get("pooled-row sinking"), pooled.report().toString());
        // the selection moved to the two values the tail reads whole: the residual stream and the attention output
        assertEquals(2, pooled.report().runtimeOps().get("Flatten"), pooled.report().toString());
        // the same values as the whole-sequence computation, within float rounding of the smaller products
        ParityCase inputs = ParityCase.of(pooledTail(false)).gen("ids", ParityCase.ints(0, 9));
        for (long b : new long[] {1, 3}) {
            Map<String, INDArray> in = inputs.inputs(b);
            INDArray y0 = whole.run(in).get("y");
            INDArray y1 = pooled.run(in).get("y");
            assertTrue(y0.equalsWithEps(y1, 1e-5), "batch " + b + ": " + y0 + " vs " + y1);
            assertEquals(b, y1.size(0));
        }
    }

    @Test
    void pooledRowSinkingLeavesASequenceThatIsAlsoAGraphOutput() throws Exception {
        OnnxGraph g = pooledCase(true, true);
        assertEquals(0, g.report().fusions().get("pooled-row sinking"), g.report().toString());
        assertEquals(1, g.report().runtimeOps().get("Flatten"), g.report().toString());
    }

    /**
     * The last layer of Hugging Face's CLIP image tower and its class-token pooling: the same layer (no final layer
     * norm) read through {@code Gather(·, 0, axis = 1)}, then the post layer norm and the projection.
     */
    private static OnnxModelBuilder classTokenTail() {
        return lastLayer(new OnnxModelBuilder(17).input("x", FLOAT, "N", 5, 8).input("a", FLOAT, "N", 5, 8), "last")
                .initializer("gp", rand(8)).initializer("bp", rand(8)).initializer("proj", rand(8, 5))
                .initializer("zero", Nd4j.scalar(0L))
                .node("Gather", "last,zero", "cls", OnnxModelBuilder.intAttr("axis", 1))
                .node("LayerNormalization", "cls,gp,bp", "post", OnnxModelBuilder.intAttr("axis", -1))
                .node("MatMul", "post,proj", "y").output("y", FLOAT);
    }

    @Test
    void pooledRowSinkingRunsTheImageTowersTailOnTheClassTokenOnly() throws Exception {
        OnnxGraph whole = ParityCase.of(classTokenTail()).batches(1, 3)
                .options(ImportOptions.defaults().withFusion(false)).check(Files.createDirectory(dir.resolve("c0")));
        OnnxGraph pooled = ParityCase.of(classTokenTail()).batches(1, 3).check(Files.createDirectory(dir.resolve("c1")));
        assertEquals(1, pooled.report().fusions().get("pooled-row sinking"), pooled.report().toString());
        // the class-token selection moved to the residual stream and the attention output (one Gather each)
        assertEquals(2, pooled.report().runtimeOps().get("Gather"), pooled.report().toString());
        assertEquals(1, whole.report().runtimeOps().get("Gather"), whole.report().toString());
        Map<String, INDArray> in = ParityCase.of(classTokenTail()).inputs(3);
        assertTrue(whole.run(in).get("y").equalsWithEps(pooled.run(in).get("y"), 1e-5));
    }
}
