package org.coft.clip.onnx.ops;

import static org.coft.clip.onnx.parity.OnnxModelBuilder.FLOAT;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.INT64;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intAttr;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intsAttr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.coft.clip.onnx.OnnxImportException;
import org.coft.clip.onnx.OnnxImporter;
import org.coft.clip.onnx.parity.OnnxModelBuilder;
import org.coft.clip.onnx.parity.ParityCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.factory.Nd4j;

/** Parity with ONNX Runtime for the operators that move or re-view data ({@code ShapeOps}). */
class OpShapeTest {
    @TempDir
    Path dir;

    private static OnnxModelBuilder m(int opset) {
        return new OnnxModelBuilder(opset);
    }

    private void check(OnnxModelBuilder b) throws Exception {
        ParityCase.of(b).check(dir);
    }

    // ---- Shape --------------------------------------------------------------------------------------------

    @Test
    void shapeOfDynamicInput() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 4).node("Shape", "x", "s").output("s", INT64));
    }

    @Test
    void shapeStartEndOpset15() throws Exception {
        check(m(15).input("x", FLOAT, "N", 3, 4, 5)
                .node("Shape", "x", "a", intAttr("start", 1))
                .node("Shape", "x", "b", intAttr("end", -1))
                .node("Shape", "x", "c", intAttr("start", -2), intAttr("end", 10))
                .node("Shape", "x", "d", intAttr("start", 0), intAttr("end", 1))
                .output("a", INT64).output("b", INT64).output("c", INT64).output("d", INT64));
    }

    @Test
    void shapeOfStaticInput() throws Exception {
        check(m(13).input("x", FLOAT, 3, 4).input("n", FLOAT, "N").node("Shape", "x", "s").output("s", INT64));
    }

    // ---- Reshape ------------------------------------------------------------------------------------------

    @Test
    void reshapeZeroAndWildcard() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 4)
                .initializer("s1", Nd4j.createFromArray(0L, -1L))
                .initializer("s2", Nd4j.createFromArray(-1L, 4L))
                .initializer("s3", Nd4j.createFromArray(0L, 2L, 6L))
                .initializer("s4", Nd4j.createFromArray(0L, 3L, 2L, -1L))
                .initializer("s5", Nd4j.createFromArray(-1L))
                .initializer("s6", Nd4j.createFromArray(0L, 0L, -1L))
                .node("Reshape", "x,s1", "y1").node("Reshape", "x,s2", "y2").node("Reshape", "x,s3", "y3")
                .node("Reshape", "x,s4", "y4").node("Reshape", "x,s5", "y5").node("Reshape", "x,s6", "y6")
                .output("y1", FLOAT).output("y2", FLOAT).output("y3", FLOAT).output("y4", FLOAT).output("y5", FLOAT)
                .output("y6", FLOAT));
    }

    @Test
    void reshapeBackToBatch() throws Exception {
        // [N,12] -> [-1,3,4]: the wildcard is the batch
        check(m(14).input("x", FLOAT, "N", 12).initializer("s", Nd4j.createFromArray(-1L, 3L, 4L))
                .node("Reshape", "x,s", "y", intAttr("allowzero", 0)).output("y", FLOAT));
    }

    @Test
    void reshapeConstantWeight() throws Exception {
        check(m(13).input("x", FLOAT, "N", 6)
                .initializer("w", Nd4j.linspace(1, 6, 6).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape(2, 3))
                .initializer("s", Nd4j.createFromArray(6L))
                .node("Reshape", "w,s", "wf").node("Mul", "x,wf", "y").output("y", FLOAT));
    }

    // ---- Transpose ----------------------------------------------------------------------------------------

    @Test
    void transpose() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 4).input("z", FLOAT, "N", 2, 3, 4)
                .node("Transpose", "x", "a", intsAttr("perm", 0, 2, 1))
                .node("Transpose", "x", "b", intsAttr("perm", 2, 0, 1))
                .node("Transpose", "x", "c")
                .node("Transpose", "z", "d", intsAttr("perm", 0, 2, 1, 3))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT).output("d", FLOAT));
    }

    // ---- Flatten ------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, -1, -3})
    void flatten(int axis) throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 2, 4).node("Flatten", "x", "y", intAttr("axis", axis)).output("y", FLOAT));
    }

    @Test
    void flattenDefaultAxisOpset11() throws Exception {
        check(m(11).input("x", FLOAT, "N", 3, 4).node("Flatten", "x", "y").output("y", FLOAT));
    }

    // ---- Unsqueeze / Squeeze -----------------------------------------------------------------------------

    @Test
    void unsqueezeOpset11Attr() throws Exception {
        check(m(11).input("x", FLOAT, "N", 3, 4)
                .node("Unsqueeze", "x", "a", intsAttr("axes", 0))
                .node("Unsqueeze", "x", "b", intsAttr("axes", 1, -1))
                .node("Unsqueeze", "x", "c", intsAttr("axes", 4, 0))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT));
    }

    @Test
    void unsqueezeOpset13Input() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 4)
                .initializer("ax1", Nd4j.createFromArray(-1L, 1L))
                .initializer("ax2", Nd4j.createFromArray(2L))
                .node("Unsqueeze", "x,ax1", "a").node("Unsqueeze", "x,ax2", "b")
                .output("a", FLOAT).output("b", FLOAT));
    }

    @Test
    void squeezeOpset11Attr() throws Exception {
        check(m(11).input("x", FLOAT, "N", 1, 4, 1).input("s", FLOAT, 1, 4, 1)
                .node("Squeeze", "x", "a", intsAttr("axes", 1))
                .node("Squeeze", "x", "b", intsAttr("axes", -1, 1))
                .node("Squeeze", "s", "c")
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT));
    }

    @Test
    void squeezeOpset13Input() throws Exception {
        check(m(13).input("x", FLOAT, "N", 1, 4, 1).input("s", FLOAT, 1, 4, 1)
                .initializer("ax1", Nd4j.createFromArray(-1L))
                .initializer("ax2", Nd4j.createFromArray(1L, 3L))
                .node("Squeeze", "x,ax1", "a").node("Squeeze", "x,ax2", "b").node("Squeeze", "s", "c")
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT));
    }

    @Test
    void squeezeWithoutAxesOfADynamicInputIsRejected() throws Exception {
        // ONNX would drop the batch when it is 1: the output rank would depend on the batch size
        Path f = m(13).input("x", FLOAT, "N", 1, 4).namedNode("sq", "Squeeze", "x", "y").output("y", FLOAT)
                .write(dir, "squeeze.onnx");
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> new OnnxImporter().importModel(f));
        assertEquals("sq", e.problems().get(0).node(), e.getMessage());
        assertTrue(e.getMessage().contains("axes"), e.getMessage());
    }

    // ---- Concat -------------------------------------------------------------------------------------------

    @Test
    void concat() throws Exception {
        check(m(13).input("a", FLOAT, "N", 2, 4).input("b", FLOAT, "N", 3, 4).input("c", FLOAT, "N", 2, 1)
                .node("Concat", "a,b", "y1", intAttr("axis", 1))
                .node("Concat", "a,c,a", "y2", intAttr("axis", -1))
                .node("Concat", "a,a", "y3", intAttr("axis", 0))
                .output("y1", FLOAT).output("y2", FLOAT).output("y3", FLOAT));
    }

    @Test
    void concatClassTokenWithExpand() throws Exception {
        // CLIP vision: cat(expand(class_embedding, [N,1,D]), patches) along axis 1, the shape built at run time
        OnnxModelBuilder b = m(11).input("p", FLOAT, "N", 3, 4)
                .initializer("cls", Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 1, 4))
                .initializer("i0", Nd4j.scalar(0L))
                .initializer("tail", Nd4j.createFromArray(1L, 4L))
                .node("Shape", "p", "s").node("Gather", "s,i0", "n", intAttr("axis", 0))
                .node("Unsqueeze", "n", "n1", intsAttr("axes", 0))
                .node("Concat", "n1,tail", "shape", intAttr("axis", 0))
                .node("Expand", "cls,shape", "clsN")
                .node("Concat", "clsN,p", "y", intAttr("axis", 1)).output("y", FLOAT);
        check(b);
    }

    // ---- Expand -------------------------------------------------------------------------------------------

    @Test
    void expandConstantShapes() throws Exception {
        check(m(13).input("x", FLOAT, "N", 1, 4).input("v", FLOAT, 3, 1)
                .initializer("s1", Nd4j.createFromArray(1L, 3L, 1L))
                .initializer("s2", Nd4j.createFromArray(2L, 3L, 4L))
                .initializer("s3", Nd4j.createFromArray(3L, 1L))
                .initializer("s4", Nd4j.createFromArray(1L, 1L, 1L))
                .node("Expand", "x,s1", "a").node("Expand", "v,s2", "b").node("Expand", "x,s3", "c")
                .node("Expand", "x,s4", "d")
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT).output("d", FLOAT));
    }

    @Test
    void expandToRuntimeBatch() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 4).input("v", FLOAT, 4)
                .node("Shape", "x", "s").node("Expand", "v,s", "y").output("y", FLOAT));
    }

    // ---- Constant (turned into constants by the parser) ------------------------------------------------------

    @Test
    void constantNodeForms() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3)
                .constant("t", Nd4j.createFromArray(1f, -2f, 3f))
                .node("Constant", "", "f", org.coft.clip.onnx.parity.OnnxModelBuilder.floatAttr("value_float", 0.5))
                .node("Constant", "", "fs", floatsAttr("value_floats", 1.5f, 2.5f, -1f))
                .node("Constant", "", "i", intAttr("value_int", 4))
                .node("Constant", "", "is", intsAttr("value_ints", -1, 1))
                .node("Mul", "x,t", "a").node("Add", "a,f", "b").node("Sub", "b,fs", "y")
                .node("Reshape", "y,is", "z")
                .output("z", FLOAT).output("i", INT64));
    }

    private static onnx.Onnx.AttributeProto floatsAttr(String name, float... v) {
        onnx.Onnx.AttributeProto.Builder b = onnx.Onnx.AttributeProto.newBuilder().setName(name)
                .setType(onnx.Onnx.AttributeProto.AttributeType.FLOATS);
        for (float f : v) {
            b.addFloats(f);
        }
        return b.build();
    }
}
