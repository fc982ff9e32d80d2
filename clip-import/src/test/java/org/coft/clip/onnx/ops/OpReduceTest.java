package org.coft.clip.onnx.ops;

import static org.coft.clip.onnx.parity.OnnxModelBuilder.FLOAT;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.INT64;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intAttr;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intsAttr;

import java.nio.file.Path;
import org.coft.clip.onnx.parity.OnnxModelBuilder;
import org.coft.clip.onnx.parity.ParityCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parity with ONNX Runtime for reductions and ArgMax: axes as an attribute (opset 11, and ReduceMean/Max/Min/L2
 * up to 17) or as an input (ReduceSum from 13, all from 18), keepdims, all-axes and {@code noop_with_empty_axes}.
 */
class OpReduceTest {
    @TempDir
    Path dir;

    private static OnnxModelBuilder m(int opset) {
        return new OnnxModelBuilder(opset);
    }

    private void check(OnnxModelBuilder b) throws Exception {
        ParityCase.of(b).check(dir);
    }

    /** ONNX op names of the reductions under test. */
    @ParameterizedTest
    @ValueSource(strings = {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceL2"})
    void reduceAxesAttributeOpset11(String op) throws Exception {
        check(m(11).input("x", FLOAT, "N", 3, 4)
                .node(op, "x", "a", intsAttr("axes", -1))
                .node(op, "x", "b", intsAttr("axes", 1, 2), intAttr("keepdims", 0))
                .node(op, "x", "c", intsAttr("axes", 0))
                .node(op, "x", "d")
                .node(op, "x", "e", intAttr("keepdims", 0))
                .node(op, "x", "f", intsAttr("axes", 2, -3), intAttr("keepdims", 1))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT).output("d", FLOAT).output("e", FLOAT)
                .output("f", FLOAT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceL2"})
    void reduceAxesAttributeOpset13(String op) throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 4)
                .node(op, "x", "a", intsAttr("axes", -1), intAttr("keepdims", 0))
                .node(op, "x", "b", intsAttr("axes", 1))
                .output("a", FLOAT).output("b", FLOAT));
    }

    @Test
    void reduceSumAxesInputOpset13() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 4)
                .initializer("ax", Nd4j.createFromArray(-1L)).initializer("ax2", Nd4j.createFromArray(0L, 2L))
                .node("ReduceSum", "x,ax", "a").node("ReduceSum", "x,ax2", "b", intAttr("keepdims", 0))
                .node("ReduceSum", "x", "c", intAttr("keepdims", 0))
                .node("ReduceSum", "x", "d", intAttr("noop_with_empty_axes", 1))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT).output("d", FLOAT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceL2"})
    void reduceAxesInputOpset18(String op) throws Exception {
        check(m(18).input("x", FLOAT, "N", 3, 4)
                .initializer("ax", Nd4j.createFromArray(1L, -1L))
                .node(op, "x,ax", "a").node(op, "x,ax", "b", intAttr("keepdims", 0))
                .node(op, "x", "c")
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT));
    }

    @Test
    void reduceL2OfNegativeAndZeroRows() throws Exception {
        ParityCase.of(m(13).input("x", FLOAT, "N", 5)
                .node("ReduceL2", "x", "y", intsAttr("axes", 1)).output("y", FLOAT))
                .gen("x", ParityCase.choice(0, 0, 0, -3, 4)).check(dir);
    }

    @Test
    void reduceInt64() throws Exception {
        check(m(13).input("x", INT64, "N", 3, 4)
                .node("ReduceMax", "x", "a", intsAttr("axes", -1)).node("ReduceMin", "x", "b", intsAttr("axes", 1))
                .output("a", INT64).output("b", INT64));
    }

    // ---- ArgMax -------------------------------------------------------------------------------------------

    @Test
    void argMax() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 5)
                .node("ArgMax", "x", "a", intAttr("axis", -1))
                .node("ArgMax", "x", "b", intAttr("axis", 1), intAttr("keepdims", 0))
                .node("ArgMax", "x", "c")
                .node("ArgMax", "x", "d", intAttr("axis", 2), intAttr("keepdims", 0))
                .output("a", INT64).output("b", INT64).output("c", INT64).output("d", INT64));
    }

    @Test
    void argMaxTiesPickFirst() throws Exception {
        ParityCase.of(m(13).input("x", FLOAT, "N", 6)
                .node("ArgMax", "x", "a", intAttr("axis", 1), intAttr("keepdims", 0)).output("a", INT64))
                .gen("x", ParityCase.choice(1, 2, 2)).check(dir);
    }

    @Test
    void argMaxOfTokenIds() throws Exception {
        // CLIP text: the end-of-text token has the largest id; ArgMax over int64 ids
        ParityCase.of(m(13).input("ids", INT64, "N", 7)
                .node("ArgMax", "ids", "a", intAttr("axis", -1)).output("a", INT64))
                .gen("ids", ParityCase.ints(0, 1000)).check(dir);
    }
}
