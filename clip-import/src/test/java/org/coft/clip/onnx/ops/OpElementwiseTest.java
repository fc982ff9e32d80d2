package org.coft.clip.onnx.ops;

import static org.coft.clip.onnx.parity.OnnxModelBuilder.BOOL;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.DOUBLE;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.FLOAT;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.INT32;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.INT64;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intAttr;

import java.nio.file.Path;
import org.coft.clip.onnx.parity.OnnxModelBuilder;
import org.coft.clip.onnx.parity.ParityCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.factory.Nd4j;

/** Parity with ONNX Runtime for the element-wise operators ({@code ElementwiseOps}). */
class OpElementwiseTest {
    @TempDir
    Path dir;

    private static OnnxModelBuilder m(int opset) {
        return new OnnxModelBuilder(opset);
    }

    /** Floats with magnitude in [0.25, 2.5] and random sign (divisors, reciprocals). */
    private static final ParityCase.Gen AWAY_FROM_ZERO = (r, shape, t) ->
            ParityCase.uniform(0.25, 2.5).make(r, shape, t).mul(ParityCase.choice(-1, 1).make(r, shape, t));

    // ---- broadcasting arithmetic ------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"Add", "Sub", "Mul", "Div"})
    void arithmeticSameShape(String op) throws Exception {
        ParityCase.of(m(13).input("a", FLOAT, "N", 3, 4).input("b", FLOAT, "N", 3, 4)
                .node(op, "a,b", "y").output("y", FLOAT)).gen("b", AWAY_FROM_ZERO).check(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Add", "Sub", "Mul", "Div"})
    void arithmeticBroadcast(String op) throws Exception {
        // [N,3,4] op [4], [3,1] op [N,1,4] (both sides broadcast), and a constant scalar on the left
        ParityCase.of(m(13).input("a", FLOAT, "N", 3, 4).input("b", FLOAT, 4)
                .input("c", FLOAT, 3, 1).input("d", FLOAT, "N", 1, 4)
                .initializer("s", Nd4j.scalar(1.5f))
                .node(op, "a,b", "y1").node(op, "c,d", "y2").node(op, "s,d", "y3")
                .output("y1", FLOAT).output("y2", FLOAT).output("y3", FLOAT))
                .gen("b", AWAY_FROM_ZERO).gen("d", AWAY_FROM_ZERO).check(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Add", "Sub", "Mul", "Div"})
    void arithmeticInt64(String op) throws Exception {
        // integer Div truncates toward zero in ONNX (C semantics), also for negative operands
        ParityCase.of(m(13).input("a", INT64, "N", 6).input("b", INT64, 6)
                .node(op, "a,b", "y").output("y", INT64))
                .gen("a", ParityCase.ints(-20, 20)).gen("b", ParityCase.choice(-7, -3, -2, 1, 2, 5)).check(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Add", "Sub", "Mul", "Div"})
    void arithmeticInt64Folded(String op) throws Exception {
        // the same on constants, evaluated at import
        OnnxModelBuilder b = m(13).input("x", INT64, "N", 6)
                .initializer("a", Nd4j.createFromArray(7L, -7L, 9L, -9L, 4L, 0L))
                .initializer("b", Nd4j.createFromArray(2L, 2L, -4L, -4L, 3L, 5L))
                .node(op, "a,b", "c").node("Add", "x,c", "y").output("y", INT64);
        ParityCase.of(b).check(dir);
    }

    // ---- Pow ----------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(floats = {2f, 3f, 1f, -1f, 1.5f})
    void powConstantExponent(float p) throws Exception {
        ParityCase.of(m(13).input("x", FLOAT, "N", 3, 4).initializer("p", Nd4j.scalar(p))
                .node("Pow", "x,p", "y").output("y", FLOAT))
                .gen("x", p == 1.5f ? ParityCase.uniform(0.1, 3) : AWAY_FROM_ZERO).check(dir);
    }

    @Test
    void powSquareRoot() throws Exception {
        ParityCase.of(m(13).input("x", FLOAT, "N", 3, 4).initializer("p", Nd4j.scalar(0.5f))
                .node("Pow", "x,p", "y").output("y", FLOAT)).gen("x", ParityCase.uniform(0, 4)).check(dir);
    }

    @Test
    void powIntegerExponentOpset15() throws Exception {
        // since opset 12 the exponent may have another type than the base
        ParityCase.of(m(15).input("x", FLOAT, "N", 3, 4).initializer("p", Nd4j.scalar(3L))
                .node("Pow", "x,p", "y").output("y", FLOAT)).check(dir);
    }

    @Test
    void powTensorExponent() throws Exception {
        ParityCase.of(m(13).input("x", FLOAT, "N", 3, 4).input("p", FLOAT, 4).input("q", FLOAT, "N", 3, 4)
                .node("Pow", "x,p", "y").node("Pow", "x,q", "z").output("y", FLOAT).output("z", FLOAT))
                .gen("x", ParityCase.uniform(0.1, 3)).check(dir);
    }

    @Test
    void powBroadcastsTheBase() throws Exception {
        ParityCase.of(m(13).input("v", FLOAT, 4).input("q", FLOAT, "N", 3, 4)
                .node("Pow", "v,q", "y").output("y", FLOAT)).gen("v", ParityCase.uniform(0.1, 3)).check(dir);
    }

    @Test
    void powOpset7() throws Exception {
        ParityCase.of(m(7).input("x", FLOAT, "N", 3, 4).initializer("p", Nd4j.scalar(2f))
                .node("Pow", "x,p", "y").output("y", FLOAT)).check(dir);
    }

    // ---- Max / Min (variadic) ----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"Max", "Min"})
    void maxMinTwoInputs(String op) throws Exception {
        ParityCase.of(m(13).input("a", FLOAT, "N", 3, 4).input("b", FLOAT, 4)
                .node(op, "a,b", "y").output("y", FLOAT)).check(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Max", "Min"})
    void maxMinThreeInputs(String op) throws Exception {
        ParityCase.of(m(13).input("a", FLOAT, "N", 3, 4).input("b", FLOAT, 4).input("c", FLOAT, 3, 1)
                .node(op, "a,b,c", "y").output("y", FLOAT)).check(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Max", "Min"})
    void maxMinOneInput(String op) throws Exception {
        ParityCase.of(m(13).input("a", FLOAT, "N", 3, 4).node(op, "a", "y").output("y", FLOAT)).check(dir);
    }

    // ---- comparisons and logic ---------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"})
    void compareFloat(String op) throws Exception {
        // few distinct values, so that ties occur
        ParityCase.of(m(13).input("a", FLOAT, "N", 3, 4).input("b", FLOAT, 4)
                .node(op, "a,b", "y").output("y", BOOL))
                .gen("a", ParityCase.choice(-1, 0, 0.5, 2)).gen("b", ParityCase.choice(-1, 0, 0.5, 2)).check(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"})
    void compareInt64(String op) throws Exception {
        ParityCase.of(m(13).input("a", INT64, "N", 3, 4).input("b", INT64, 3, 1)
                .node(op, "a,b", "y").output("y", BOOL))
                .gen("a", ParityCase.ints(-2, 2)).gen("b", ParityCase.ints(-2, 2)).check(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"And", "Or"})
    void logic(String op) throws Exception {
        ParityCase.of(m(13).input("a", BOOL, "N", 3, 4).input("b", BOOL, "N", 3, 4).input("c", BOOL, 4)
                .node(op, "a,b", "y").node(op, "a,c", "z").output("y", BOOL).output("z", BOOL)).check(dir);
    }

    @Test
    void not() throws Exception {
        ParityCase.of(m(13).input("a", BOOL, "N", 3, 4).node("Not", "a", "y").output("y", BOOL)).check(dir);
    }

    // ---- unary maths -------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"Exp", "Sigmoid", "Tanh", "Relu", "Erf", "Neg", "Abs", "Identity"})
    void unary(String op) throws Exception {
        ParityCase.of(m(13).input("x", FLOAT, "N", 3, 4).node(op, "x", "y").output("y", FLOAT))
                .gen("x", ParityCase.uniform(-4, 4)).check(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Sqrt", "Log"})
    void unaryPositive(String op) throws Exception {
        ParityCase.of(m(13).input("x", FLOAT, "N", 3, 4).node(op, "x", "y").output("y", FLOAT))
                .gen("x", ParityCase.uniform(0.05, 5)).check(dir);
    }

    @Test
    void reciprocal() throws Exception {
        ParityCase.of(m(13).input("x", FLOAT, "N", 3, 4).node("Reciprocal", "x", "y").output("y", FLOAT))
                .gen("x", AWAY_FROM_ZERO).check(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Floor", "Ceil"})
    void rounding(String op) throws Exception {
        // exact integers, halves and negative values
        ParityCase.of(m(13).input("x", FLOAT, "N", 3, 4).input("z", FLOAT, "N", 3, 4)
                .node(op, "x", "y").node(op, "z", "w").output("y", FLOAT).output("w", FLOAT))
                .gen("x", ParityCase.uniform(-3, 3)).gen("z", ParityCase.choice(-2, -1.5, -0.5, 0, 0.5, 1, 2.5))
                .check(dir);
    }

    @Test
    void identityInt64() throws Exception {
        ParityCase.of(m(13).input("x", INT64, "N", 5).node("Identity", "x", "y").output("y", INT64)).check(dir);
    }

    @Test
    void unaryOnRank0Batchless() throws Exception {
        ParityCase.of(m(13).input("x", FLOAT).node("Exp", "x", "y").node("Neg", "y", "z").output("z", FLOAT)).check(dir);
    }

    // ---- integer and boolean variants --------------------------------------------------------------------

    @Test
    void equalOnBoolAndInt32() throws Exception {
        ParityCase.of(m(13).input("a", BOOL, "N", 4).input("b", BOOL, 4).input("i", INT32, "N", 4).input("j", INT32, 4)
                .node("Equal", "a,b", "e").node("Equal", "i,j", "f").node("Less", "i,j", "g")
                .output("e", BOOL).output("f", BOOL).output("g", BOOL))
                .gen("i", ParityCase.ints(-1, 1)).gen("j", ParityCase.ints(-1, 1)).check(dir);
    }

    @Test
    void integerUnaryAndMaxMin() throws Exception {
        ParityCase.of(m(13).input("x", INT64, "N", 5).input("y", INT64, 5).input("i", INT32, "N", 5)
                .node("Neg", "x", "a").node("Abs", "x", "b").node("Max", "x,y", "c").node("Min", "x,y", "d")
                .node("Mul", "i,i", "e").node("Sub", "i,i", "f").node("Identity", "i", "g")
                .output("a", INT64).output("b", INT64).output("c", INT64).output("d", INT64)
                .output("e", INT32).output("f", INT32).output("g", INT32)).check(dir);
    }

    @Test
    void exporterStyleTensorNames() throws Exception {
        // torch names values "onnx::Mul_3" and "/encoder/Add_output_0"; some collide with SameDiff's own op names
        ParityCase.of(m(13).input("input:0", FLOAT, "N", 4).initializer("onnx::Mul_3", Nd4j.scalar(2f))
                .node("Mul", "input:0,onnx::Mul_3", "add").node("Add", "add,input:0", "/encoder/Add_output_0")
                .node("Relu", "/encoder/Add_output_0", "1").node("Sub", "1,add", "logits:0")
                .output("logits:0", FLOAT).output("add", FLOAT)).check(dir);
    }

    // ---- Cast ---------------------------------------------------------------------------------------------

    @Test
    void castFloatToInts() throws Exception {
        // ONNX (and ORT) truncate toward zero
        ParityCase.of(m(13).input("x", FLOAT, "N", 8)
                .node("Cast", "x", "i64", intAttr("to", INT64)).node("Cast", "x", "i32", intAttr("to", INT32))
                .output("i64", INT64).output("i32", INT32))
                .gen("x", ParityCase.choice(-2.7, -1.5, -0.5, 0, 0.4, 1.5, 2.9, 7)).check(dir);
    }

    @Test
    void castFloatToBoolAndBack() throws Exception {
        ParityCase.of(m(13).input("x", FLOAT, "N", 8)
                .node("Cast", "x", "b", intAttr("to", BOOL)).node("Cast", "b", "f", intAttr("to", FLOAT))
                .output("b", BOOL).output("f", FLOAT))
                .gen("x", ParityCase.choice(-0.3, 0, 0, 1.5, 2)).check(dir);
    }

    @Test
    void castInts() throws Exception {
        ParityCase.of(m(13).input("x", INT64, "N", 8).input("j", INT32, "N", 8)
                .node("Cast", "x", "f", intAttr("to", FLOAT)).node("Cast", "x", "i", intAttr("to", INT32))
                .node("Cast", "x", "b", intAttr("to", BOOL)).node("Cast", "j", "l", intAttr("to", INT64))
                .node("Cast", "x", "d", intAttr("to", DOUBLE)).node("Cast", "x", "same", intAttr("to", INT64))
                .output("f", FLOAT).output("i", INT32).output("b", BOOL).output("l", INT64).output("d", DOUBLE)
                .output("same", INT64)).check(dir);
    }

    @Test
    void castFolded() throws Exception {
        OnnxModelBuilder b = m(13).input("x", FLOAT, "N", 4)
                .initializer("c", Nd4j.createFromArray(-1.7f, -0.2f, 0.6f, 2.5f))
                .node("Cast", "c", "ci", intAttr("to", INT64)).node("Cast", "ci", "cf", intAttr("to", FLOAT))
                .node("Add", "x,cf", "y").output("y", FLOAT);
        ParityCase.of(b).check(dir);
    }

    // ---- Where ----------------------------------------------------------------------------------------------

    @Test
    void whereBroadcast() throws Exception {
        ParityCase.of(m(13).input("c", BOOL, "N", 1, 4).input("x", FLOAT, "N", 3, 4).input("y", FLOAT, 4)
                .node("Where", "c,x,y", "z").output("z", FLOAT)).check(dir);
    }

    @Test
    void whereSameShapeAndInt64() throws Exception {
        ParityCase.of(m(13).input("c", BOOL, "N", 3).input("x", INT64, "N", 3).input("y", INT64, "N", 3)
                .input("u", FLOAT, "N", 3).initializer("v", Nd4j.scalar(-1e9f))
                .node("Where", "c,x,y", "z").node("Where", "c,u,v", "w").output("z", INT64).output("w", FLOAT)).check(dir);
    }
}
