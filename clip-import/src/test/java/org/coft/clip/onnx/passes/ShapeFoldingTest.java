package org.coft.clip.onnx.passes;

import static org.coft.clip.onnx.parity.OnnxModelBuilder.FLOAT;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.INT64;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intAttr;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.tensorAttr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.coft.clip.onnx.OnnxGraph;
import org.coft.clip.onnx.parity.OnnxModelBuilder;
import org.coft.clip.onnx.parity.ParityCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Shape arithmetic over the dynamic batch is evaluated at import ({@link FoldAndInfer}): the exported
 * Shape → Gather → Unsqueeze → Concat chains disappear and the graph still runs at any batch size.
 */
class ShapeFoldingTest {
    @TempDir
    Path dir;

    @Test
    void shapeGatherUnsqueezeConcatReshapeFolds() throws Exception {
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("x", FLOAT, "N", 3, 4)
                .initializer("i0", Nd4j.scalar(0L)).initializer("ax0", Nd4j.createFromArray(0L))
                .initializer("twelve", Nd4j.createFromArray(12L))
                .node("Shape", "x", "s").node("Gather", "s,i0", "n", intAttr("axis", 0))
                .node("Unsqueeze", "n,ax0", "n1").node("Concat", "n1,twelve", "target", intAttr("axis", 0))
                .node("Reshape", "x,target", "y").output("y", FLOAT);
        OnnxGraph g = ParityCase.of(b).batches(1, 5).check(dir);
        assertEquals(Map.of("Reshape", 1), g.report().runtimeOps(), g.report().toString());
        assertTrue(g.report().folded() >= 4, g.report().toString());
    }

    @Test
    void attentionHeadSplitFolds() throws Exception {
        // [N,T,D] -> [N,T,h,D/h] -> [N,h,T,D/h], the target computed from Shape(x) as torch exports it
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("x", FLOAT, "N", 5, 8)
                .initializer("i0", Nd4j.scalar(0L)).initializer("i1", Nd4j.scalar(1L)).initializer("i2", Nd4j.scalar(2L))
                .initializer("heads", Nd4j.scalar(2L)).initializer("ax0", Nd4j.createFromArray(0L))
                .initializer("h1", Nd4j.createFromArray(2L))
                .node("Shape", "x", "s")
                .node("Gather", "s,i0", "n").node("Gather", "s,i1", "t").node("Gather", "s,i2", "d")
                .node("Div", "d,heads", "dh")
                .node("Unsqueeze", "n,ax0", "n1").node("Unsqueeze", "t,ax0", "t1").node("Unsqueeze", "dh,ax0", "dh1")
                .node("Concat", "n1,t1,h1,dh1", "target", intAttr("axis", 0))
                .node("Reshape", "x,target", "r")
                .node("Transpose", "r", "y", org.coft.clip.onnx.parity.OnnxModelBuilder.intsAttr("perm", 0, 2, 1, 3))
                .output("y", FLOAT);
        OnnxGraph g = ParityCase.of(b).batches(1, 5).check(dir);
        assertEquals(Map.of("Reshape", 1, "Transpose", 1), g.report().runtimeOps(), g.report().toString());
    }

    @Test
    void torchExpandPatternFolds() throws Exception {
        // x.expand(N, -1, -1) exports as Where(Equal(shape, -1), 1, shape) feeding Expand
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("p", FLOAT, "N", 3, 4)
                .initializer("cls", Nd4j.rand(DataType.FLOAT, 1, 1, 4))
                .initializer("i0", Nd4j.scalar(0L)).initializer("ax0", Nd4j.createFromArray(0L))
                .initializer("rest", Nd4j.createFromArray(-1L, -1L)).initializer("three", Nd4j.createFromArray(3L))
                .initializer("minus1", Nd4j.scalar(-1L))
                .node("Shape", "p", "s").node("Gather", "s,i0", "n").node("Unsqueeze", "n,ax0", "n1")
                .node("Concat", "n1,rest", "shape", intAttr("axis", 0))
                .node("ConstantOfShape", "three", "ones", tensorAttr("value", Nd4j.createFromArray(1L)))
                .node("Mul", "ones,minus1", "neg")
                .node("Equal", "shape,neg", "isNeg")
                .node("Where", "isNeg,ones,shape", "target")
                .node("Expand", "cls,target", "clsN")
                .node("Concat", "clsN,p", "y", intAttr("axis", 1))
                .output("y", FLOAT).output("target", INT64);
        OnnxGraph g = ParityCase.of(b).batches(1, 5).check(dir);
        assertEquals(Map.of("Expand", 1, "Concat", 1), g.report().runtimeOps(), g.report().toString());
    }

    @Test
    void arithmeticOnTheBatchFolds() throws Exception {
        // [N,3,4] -> [N*3, 4] -> [N, 12]: Mul and Div on the symbolic batch, Squeeze of a 1-element shape slice
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("x", FLOAT, "N", 3, 4)
                .initializer("z", Nd4j.createFromArray(0L)).initializer("o", Nd4j.createFromArray(1L))
                .initializer("ax0", Nd4j.createFromArray(0L)).initializer("three", Nd4j.scalar(3L))
                .initializer("four", Nd4j.createFromArray(4L)).initializer("twelve", Nd4j.createFromArray(12L))
                .node("Shape", "x", "s").node("Slice", "s,z,o", "n1").node("Squeeze", "n1,ax0", "n")
                .node("Mul", "n,three", "n3").node("Unsqueeze", "n3,ax0", "n3v")
                .node("Concat", "n3v,four", "t1", intAttr("axis", 0)).node("Reshape", "x,t1", "r")
                .node("Shape", "r", "rs").node("Slice", "rs,z,o", "m1").node("Div", "m1,three", "m")
                .node("Concat", "m,twelve", "t2", intAttr("axis", 0)).node("Reshape", "r,t2", "y")
                .output("r", FLOAT).output("y", FLOAT).output("t2", INT64);
        OnnxGraph g = ParityCase.of(b).batches(1, 5).check(dir);
        assertEquals(Map.of("Reshape", 2), g.report().runtimeOps(), g.report().toString());
    }

    @Test
    void integerDivisionOfAShapeVectorTruncates() throws Exception {
        // Div on a vector holding the batch and a negative constant: folded element-wise with ONNX's truncation
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("x", FLOAT, "N", 3)
                .initializer("i0", Nd4j.createFromArray(0L)).initializer("neg", Nd4j.createFromArray(-7L))
                .initializer("d", Nd4j.createFromArray(1L, 2L))
                .node("Shape", "x", "s").node("Gather", "s,i0", "n")
                .node("Concat", "n,neg", "v", intAttr("axis", 0)).node("Div", "v,d", "q").output("q", INT64);
        ParityCase.of(b).batches(1, 5).check(dir);
    }

    @Test
    void batchSizeAsFloatIsComputedAtRunTime() throws Exception {
        // mean over the batch written out as ReduceSum / Cast(Shape(x)[0])
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("x", FLOAT, "N", 3)
                .initializer("i0", Nd4j.scalar(0L)).initializer("ax", Nd4j.createFromArray(0L))
                .node("Shape", "x", "s").node("Gather", "s,i0", "n")
                .node("Cast", "n", "nf", intAttr("to", FLOAT))
                .node("ReduceSum", "x,ax", "sum", intAttr("keepdims", 0)).node("Div", "sum,nf", "y")
                .output("y", FLOAT);
        ParityCase.of(b).batches(1, 5).check(dir);
    }
}
