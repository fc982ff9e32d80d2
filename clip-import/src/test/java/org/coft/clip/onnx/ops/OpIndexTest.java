package org.coft.clip.onnx.ops;

import static org.coft.clip.onnx.parity.OnnxModelBuilder.FLOAT;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.INT32;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.INT64;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intAttr;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intsAttr;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.tensorAttr;

import java.nio.file.Path;
import org.coft.clip.onnx.parity.OnnxModelBuilder;
import org.coft.clip.onnx.parity.ParityCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Parity with ONNX Runtime for indexing and generating operators ({@code IndexOps}). */
class OpIndexTest {
    private static final long MAX = Long.MAX_VALUE;
    private static final long MIN = Long.MIN_VALUE;

    @TempDir
    Path dir;

    private static OnnxModelBuilder m(int opset) {
        return new OnnxModelBuilder(opset);
    }

    private void check(OnnxModelBuilder b) throws Exception {
        ParityCase.of(b).check(dir);
    }

    private static INDArray longs(long... v) {
        return Nd4j.createFromArray(v);
    }

    // ---- Slice --------------------------------------------------------------------------------------------

    /** One Slice of x[N,6,5] with constant starts/ends/axes/steps ("-" = input omitted). */
    @ParameterizedTest(name = "starts={0} ends={1} axes={2} steps={3}")
    @CsvSource(delimiter = ';', value = {
        "1;4;1;-",                   // plain
        "-3;-1;2;-",                 // negative starts and ends
        "-100;100;1;-",              // clamped both ends
        "2;9223372036854775807;1;-", // INT64_MAX end, as exporters write it
        "0;6;1;2",                   // step 2
        "1;5;1;3",                   // step 3, partial last stride
        "-1;-9223372036854775808;1;-1", // full reverse
        "4;0;1;-2",                  // negative step, exclusive end
        "100;-100;2;-1",             // negative step, clamped
        "-1000;-2000;1;-1",          // negative step, start below the axis
        "5;-1000;2;-2",              // negative step from past the end
        "1,0;3,4;-1,1;-",            // two axes, one negative
        "0,1;9223372036854775807,3;-;-", // axes omitted: first k axes, batch axis whole
        "0,1,2;9223372036854775807,-1,4;0,1,2;1,2,1", // all axes with steps
        "3;1;1;1",                   // empty range
    })
    void slice(String starts, String ends, String axes, String steps) throws Exception {
        OnnxModelBuilder b = m(13).input("x", FLOAT, "N", 6, 5)
                .initializer("st", longs(parse(starts))).initializer("en", longs(parse(ends)));
        String in = "x,st,en";
        if (!axes.equals("-")) {
            b.initializer("ax", longs(parse(axes)));
        }
        if (!steps.equals("-")) {
            b.initializer("sp", longs(parse(steps)));
        }
        in += axes.equals("-") ? (steps.equals("-") ? "" : ",") : ",ax";
        in += steps.equals("-") ? "" : ",sp";
        check(b.node("Slice", in, "y").output("y", FLOAT));
    }

    private static long[] parse(String csv) {
        String[] p = csv.split(",");
        long[] v = new long[p.length];
        for (int i = 0; i < p.length; i++) {
            v[i] = Long.parseLong(p[i].trim());
        }
        return v;
    }

    @Test
    void sliceOpset10() throws Exception {
        check(m(10).input("x", FLOAT, "N", 6, 5).initializer("st", longs(1, -1)).initializer("en", longs(5, MIN))
                .initializer("ax", longs(1, 2)).initializer("sp", longs(2, -1))
                .node("Slice", "x,st,en,ax,sp", "y").output("y", FLOAT));
    }

    @Test
    void sliceOfShapeIsFolded() throws Exception {
        // Shape(x)[1:] and Shape(x)[:-1] evaluated at import, used as a Reshape target
        check(m(13).input("x", FLOAT, "N", 3, 4)
                .initializer("one", longs(1)).initializer("max", longs(MAX)).initializer("zero", longs(0))
                .initializer("m1", longs(-1))
                .node("Shape", "x", "s").node("Slice", "s,one,max", "tail").node("Slice", "s,zero,m1", "head")
                .output("tail", INT64).output("head", INT64));
    }

    @Test
    void sliceOfConstant() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3)
                .initializer("c", Nd4j.createFromArray(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f))
                .initializer("st", longs(8)).initializer("en", longs(1)).initializer("sp", longs(-3))
                .initializer("ax", longs(0))
                .node("Slice", "c,st,en,ax,sp", "cs").node("Add", "x,cs", "y").output("y", FLOAT));
    }

    // ---- Gather -------------------------------------------------------------------------------------------

    @Test
    void gatherScalarConstantIndex() throws Exception {
        check(m(13).input("x", FLOAT, "N", 5, 4)
                .initializer("i2", Nd4j.scalar(2L)).initializer("im1", Nd4j.scalar(-1L)).initializer("i0", Nd4j.scalar(0L))
                .node("Gather", "x,i2", "a", intAttr("axis", 1))
                .node("Gather", "x,im1", "b", intAttr("axis", -1))
                .node("Gather", "x,i0", "c", intAttr("axis", 0))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT));
    }

    @Test
    void gatherVectorConstantIndex() throws Exception {
        check(m(13).input("x", FLOAT, "N", 5, 4)
                .initializer("v", longs(0, 3, 1)).initializer("neg", longs(-1, 0, -5))
                .initializer("one", longs(2)).initializer("m", longs(0, 1, 2, 3).reshape(2, 2))
                .node("Gather", "x,v", "a", intAttr("axis", 2))
                .node("Gather", "x,neg", "b", intAttr("axis", 1))
                .node("Gather", "x,one", "c", intAttr("axis", 1))
                .node("Gather", "x,m", "d", intAttr("axis", 1))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT).output("d", FLOAT));
    }

    @Test
    void gatherRuntimeIndices() throws Exception {
        // token-embedding lookup: table [10,4], ids [N,7]
        ParityCase.of(m(13).input("ids", INT64, "N", 7).input("j", INT32, 3)
                .initializer("table", Nd4j.rand(DataType.FLOAT, 10, 4))
                .node("Gather", "table,ids", "e").node("Gather", "table,j", "f")
                .output("e", FLOAT).output("f", FLOAT))
                .gen("ids", ParityCase.ints(0, 9)).gen("j", ParityCase.ints(0, 9)).check(dir);
    }

    @Test
    void gatherRuntimeNegativeIndices() throws Exception {
        ParityCase.of(m(13).input("ids", INT64, "N", 7).input("x", FLOAT, "N", 5, 4)
                .initializer("table", Nd4j.rand(DataType.FLOAT, 10, 4)).input("k", INT64, 3)
                .node("Gather", "table,ids", "e").node("Gather", "x,k", "g", intAttr("axis", 1))
                .output("e", FLOAT).output("g", FLOAT))
                .gen("ids", ParityCase.ints(-10, 9)).gen("k", ParityCase.ints(-5, 4)).check(dir);
    }

    @Test
    void gatherNegativeIndexOnTheBatchAxis() throws Exception {
        // the size of the gathered axis is only known at run time
        ParityCase.of(m(13).input("x", FLOAT, "N", 5, 4).input("k", INT64, 2)
                .initializer("last", Nd4j.scalar(-1L)).initializer("v", longs(-1, 0))
                .node("Gather", "x,last", "a", intAttr("axis", 0))
                .node("Gather", "x,v", "b", intAttr("axis", 0))
                .node("Gather", "x,k", "c", intAttr("axis", 0))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT))
                .gen("k", ParityCase.ints(-1, 0)).check(dir);
    }

    @Test
    void gatherOfShapeIsFolded() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 4)
                .initializer("i0", Nd4j.scalar(0L)).initializer("v", longs(-1, 0))
                .node("Shape", "x", "s").node("Gather", "s,i0", "n").node("Gather", "s,v", "w")
                .output("n", INT64).output("w", INT64));
    }

    // ---- Split --------------------------------------------------------------------------------------------

    @Test
    void splitOpset11Attr() throws Exception {
        check(m(11).input("x", FLOAT, "N", 6, 4)
                .node("Split", "x", "a,b", intAttr("axis", 1), intsAttr("split", 2, 4))
                .node("Split", "x", "c,d", intAttr("axis", -1))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT).output("d", FLOAT));
    }

    @Test
    void splitOpset13Input() throws Exception {
        check(m(13).input("x", FLOAT, "N", 6, 4).initializer("sp", longs(1, 2, 3))
                .node("Split", "x,sp", "a,b,c", intAttr("axis", 1))
                .node("Split", "x", "d,e,f", intAttr("axis", 1))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT)
                .output("d", FLOAT).output("e", FLOAT).output("f", FLOAT));
    }

    @Test
    void splitOpset18NumOutputsUneven() throws Exception {
        check(m(18).input("x", FLOAT, "N", 7, 4)
                .node("Split", "x", "a,b,c", intAttr("axis", 1), intAttr("num_outputs", 3))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT));
    }

    // ---- ConstantOfShape ----------------------------------------------------------------------------------

    @Test
    void constantOfShapeFromRuntimeShape() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 4)
                .initializer("i0", longs(0)).initializer("five", longs(5))
                .node("Shape", "x", "s")
                .node("ConstantOfShape", "s", "a", tensorAttr("value", Nd4j.createFromArray(3.5f)))
                .node("Gather", "s,i0", "n").node("Concat", "n,five", "s2", intAttr("axis", 0))
                .node("ConstantOfShape", "s2", "b", tensorAttr("value", Nd4j.createFromArray(7L)))
                .node("ConstantOfShape", "s", "c")
                .output("a", FLOAT).output("b", INT64).output("c", FLOAT));
    }

    @Test
    void constantOfShapeConstant() throws Exception {
        check(m(13).input("x", FLOAT, "N", 2, 3).initializer("s", longs(2, 3))
                .node("ConstantOfShape", "s", "c", tensorAttr("value", Nd4j.createFromArray(-2f)))
                .node("Add", "x,c", "y").output("y", FLOAT));
    }

    // ---- Range --------------------------------------------------------------------------------------------

    @Test
    void rangeToRuntimeBatch() throws Exception {
        // positions 0..N-1 from the batch size
        check(m(13).input("x", FLOAT, "N", 3)
                .initializer("i0", Nd4j.scalar(0L)).initializer("zero", Nd4j.scalar(0L)).initializer("one", Nd4j.scalar(1L))
                .node("Shape", "x", "s").node("Gather", "s,i0", "n").node("Range", "zero,n,one", "r")
                .output("r", INT64));
    }

    @Test
    void rangeConstants() throws Exception {
        check(m(13).input("x", FLOAT, "N", 5).input("k", INT64, "N", 3)
                .initializer("fs", Nd4j.scalar(0.5f)).initializer("fl", Nd4j.scalar(3.1f)).initializer("fd", Nd4j.scalar(0.6f))
                .initializer("is", Nd4j.scalar(10L)).initializer("il", Nd4j.scalar(2L)).initializer("id", Nd4j.scalar(-3L))
                .node("Range", "fs,fl,fd", "rf").node("Range", "is,il,id", "ri")
                .node("Add", "x,rf", "y").node("Mul", "k,ri", "z").output("y", FLOAT).output("z", INT64));
    }

    // ---- Trilu --------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "upper={0} k={1}")
    @CsvSource({"1,0", "1,1", "1,-1", "1,3", "0,0", "0,2", "0,-1", "0,-4"})
    void trilu(int upper, long k) throws Exception {
        // [N,5] at batch 1 and the static [5,1] are vector-shaped matrices
        check(m(14).input("x", FLOAT, "N", 4, 5).input("v", FLOAT, "N", 5).input("u", FLOAT, 5, 1)
                .initializer("k", Nd4j.scalar(k))
                .node("Trilu", "x,k", "a", intAttr("upper", upper))
                .node("Trilu", "v,k", "b", intAttr("upper", upper))
                .node("Trilu", "u,k", "c", intAttr("upper", upper))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT));
    }

    @Test
    void triluDefaults() throws Exception {
        check(m(14).input("x", FLOAT, "N", 4, 4).node("Trilu", "x", "y").output("y", FLOAT));
    }

    @Test
    void triluCausalMaskFolded() throws Exception {
        // the causal attention mask: a constant of -inf, upper (k=1) or lower triangle kept, added to scores
        float ninf = Float.NEGATIVE_INFINITY;
        check(m(14).input("x", FLOAT, "N", 4, 4)
                .initializer("s", longs(4, 4)).initializer("one", Nd4j.scalar(1L)).initializer("m1", Nd4j.scalar(-1L))
                .node("ConstantOfShape", "s", "full", tensorAttr("value", Nd4j.createFromArray(ninf)))
                .node("Trilu", "full,one", "up", intAttr("upper", 1))
                .node("Trilu", "full,m1", "low", intAttr("upper", 0))
                .node("Add", "x,up", "a").node("Add", "x,low", "b").output("a", FLOAT).output("b", FLOAT));
    }
}
