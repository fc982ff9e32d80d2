package org.coft.clip.onnx.ops;

import static org.coft.clip.onnx.parity.OnnxModelBuilder.FLOAT;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.floatAttr;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intAttr;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intsAttr;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.stringAttr;

import java.nio.file.Path;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.parity.OnnxModelBuilder;
import org.coft.clip.onnx.parity.ParityCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parity with ONNX Runtime for the neural-network operators ({@code NnOps}): MatMul, Gemm, Conv, pooling,
 * BatchNormalization, Softmax, LayerNormalization. MatMul with a constant weight is checked with fusion off
 * (the MatMul converter) and on (the fused Linear node).
 */
class OpNnTest {
    @TempDir
    Path dir;

    private static OnnxModelBuilder m(int opset) {
        return new OnnxModelBuilder(opset);
    }

    private void check(OnnxModelBuilder b) throws Exception {
        ParityCase.of(b).check(dir);
    }

    private static INDArray rand(long... shape) {
        // fixed seed per shape, values in [-1, 1)
        Nd4j.getRandom().setSeed(java.util.Arrays.hashCode(shape));
        return Nd4j.rand(DataType.FLOAT, shape).muli(2).subi(1);
    }

    // ---- MatMul -------------------------------------------------------------------------------------------

    @Test
    void matmul2x2() throws Exception {
        check(m(13).input("a", FLOAT, "N", 4).input("b", FLOAT, 4, 3).node("MatMul", "a,b", "y").output("y", FLOAT));
    }

    @Test
    void matmul3x2() throws Exception {
        check(m(13).input("a", FLOAT, "N", 3, 4).input("b", FLOAT, 4, 5).node("MatMul", "a,b", "y").output("y", FLOAT));
    }

    @Test
    void matmul4x4Batched() throws Exception {
        // attention scores: [N,h,t,d] x [N,h,d,t]
        check(m(13).input("q", FLOAT, "N", 2, 3, 4).input("k", FLOAT, "N", 2, 4, 3)
                .node("MatMul", "q,k", "y").output("y", FLOAT));
    }

    @Test
    void matmulBroadcast() throws Exception {
        check(m(13).input("a", FLOAT, "N", 1, 3, 4).input("b", FLOAT, 2, 4, 5).input("c", FLOAT, 3, 4)
                .input("d", FLOAT, "N", 4, 5).input("e", FLOAT, 1, 4, 5).input("f", FLOAT, "N", 3, 4)
                .node("MatMul", "a,b", "y1")   // [N,1,3,4] x [2,4,5] -> [N,2,3,5]
                .node("MatMul", "c,d", "y2")   // [3,4] x [N,4,5] -> [N,3,5]
                .node("MatMul", "f,e", "y3")   // [N,3,4] x [1,4,5] -> [N,3,5]
                .output("y1", FLOAT).output("y2", FLOAT).output("y3", FLOAT));
    }

    @ParameterizedTest(name = "fusion={0}")
    @ValueSource(booleans = {false, true})
    void matmulConstantWeight(boolean fusion) throws Exception {
        ParityCase.of(m(13).input("a", FLOAT, "N", 3, 4).input("v", FLOAT, "N", 4)
                        .initializer("w", rand(4, 5)).initializer("b", rand(5))
                        .node("MatMul", "a,w", "y1").node("MatMul", "v,w", "t").node("Add", "t,b", "y2")
                        .output("y1", FLOAT).output("y2", FLOAT))
                .options(ImportOptions.defaults().withFusion(fusion)).check(dir);
    }

    // ---- Gemm ---------------------------------------------------------------------------------------------

    @Test
    void gemmDefault() throws Exception {
        check(m(13).input("a", FLOAT, "N", 4).initializer("w", rand(4, 3)).initializer("c", rand(3))
                .node("Gemm", "a,w,c", "y").output("y", FLOAT));
    }

    @Test
    void gemmTransposedAlphaBeta() throws Exception {
        // a given as [K, M] with M the batch; b as [N, K]; bias [M, N] at run time
        check(m(13).input("x", FLOAT, "N", 3).input("at", FLOAT, 4, "N").input("bias", FLOAT, "N", 3)
                .initializer("bt", rand(3, 4)).initializer("w", rand(3, 4)).initializer("c1", rand(1, 4))
                .initializer("cs", Nd4j.scalar(0.75f))
                .node("Gemm", "at,bt,bias", "y1", intAttr("transA", 1), intAttr("transB", 1),
                        floatAttr("alpha", 0.5), floatAttr("beta", 2.0))
                .node("Gemm", "x,w,c1", "y2", floatAttr("alpha", -1.5), floatAttr("beta", 0.25))
                .node("Gemm", "at,bt,cs", "y3", intAttr("transA", 1), intAttr("transB", 1))
                .node("Gemm", "x,w,cs", "y4", floatAttr("beta", 0.0))
                .node("Gemm", "x,w", "y5", floatAttr("alpha", 2.0))
                .output("y1", FLOAT).output("y2", FLOAT).output("y3", FLOAT).output("y4", FLOAT).output("y5", FLOAT));
    }

    @Test
    void gemmOpset9() throws Exception {
        check(m(9).input("a", FLOAT, "N", 4).initializer("w", rand(3, 4)).initializer("c", rand(3))
                .node("Gemm", "a,w,c", "y", intAttr("transB", 1)).output("y", FLOAT));
    }

    // ---- Conv ---------------------------------------------------------------------------------------------

    @Test
    void convDefaultWithBias() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 8, 8).initializer("w", rand(4, 3, 3, 3)).initializer("b", rand(4))
                .node("Conv", "x,w,b", "y").output("y", FLOAT));
    }

    @Test
    void convStridePadDilation() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 9, 8).initializer("w", rand(4, 3, 3, 3)).initializer("b", rand(4))
                .initializer("w2", rand(2, 3, 3, 2))
                .node("Conv", "x,w,b", "s", intsAttr("strides", 2, 2))
                .node("Conv", "x,w,b", "p", intsAttr("pads", 1, 1, 1, 1))
                .node("Conv", "x,w", "d", intsAttr("dilations", 2, 2), intsAttr("kernel_shape", 3, 3))
                .node("Conv", "x,w2", "r", intsAttr("strides", 2, 1), intsAttr("pads", 1, 0, 1, 0))
                .node("Conv", "x,w,b", "all", intsAttr("strides", 2, 3), intsAttr("pads", 2, 1, 2, 1),
                        intsAttr("dilations", 1, 2))
                .node("Conv", "x,w", "v", stringAttr("auto_pad", "VALID"))
                .output("s", FLOAT).output("p", FLOAT).output("d", FLOAT).output("r", FLOAT).output("all", FLOAT)
                .output("v", FLOAT));
    }

    @Test
    void convPatchEmbedding() throws Exception {
        // CLIP ViT stem: kernel = stride = patch, no bias
        check(m(13).input("x", FLOAT, "N", 3, 8, 8).initializer("w", rand(6, 3, 4, 4))
                .node("Conv", "x,w", "y", intsAttr("kernel_shape", 4, 4), intsAttr("strides", 4, 4)).output("y", FLOAT));
    }

    // ---- pooling ------------------------------------------------------------------------------------------

    @Test
    void averagePool() throws Exception {
        check(m(11).input("x", FLOAT, "N", 2, 7, 6)
                .node("AveragePool", "x", "a", intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2))
                .node("AveragePool", "x", "b", intsAttr("kernel_shape", 3, 3), intsAttr("pads", 1, 1, 1, 1))
                .node("AveragePool", "x", "c", intsAttr("kernel_shape", 3, 3), intsAttr("pads", 1, 1, 1, 1),
                        intAttr("count_include_pad", 1))
                .node("AveragePool", "x", "d", intsAttr("kernel_shape", 3, 2), intsAttr("strides", 2, 1),
                        intsAttr("pads", 1, 0, 1, 0))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT).output("d", FLOAT));
    }

    @Test
    void averagePoolOpset7() throws Exception {
        check(m(7).input("x", FLOAT, "N", 2, 6, 6)
                .node("AveragePool", "x", "a", intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2))
                .output("a", FLOAT));
    }

    @Test
    void maxPool() throws Exception {
        check(m(11).input("x", FLOAT, "N", 2, 7, 6)
                .node("MaxPool", "x", "a", intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2))
                .node("MaxPool", "x", "b", intsAttr("kernel_shape", 3, 3), intsAttr("strides", 2, 2),
                        intsAttr("pads", 1, 1, 1, 1))
                .node("MaxPool", "x", "c", intsAttr("kernel_shape", 3, 2))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT));
    }

    @Test
    void maxPoolDilations() throws Exception {
        check(m(11).input("x", FLOAT, "N", 2, 7, 6)
                .node("MaxPool", "x", "a", intsAttr("kernel_shape", 2, 2), intsAttr("dilations", 2, 2))
                .output("a", FLOAT));
    }

    @Test
    void averagePoolDilationsOpset19() throws Exception {
        check(m(19).input("x", FLOAT, "N", 2, 7, 6)
                .node("AveragePool", "x", "a", intsAttr("kernel_shape", 2, 2), intsAttr("dilations", 2, 1),
                        intsAttr("strides", 1, 2))
                .output("a", FLOAT));
    }

    @Test
    void maxPoolNegativeInputsWithPadding() throws Exception {
        // the padding must not win the max
        ParityCase.of(m(11).input("x", FLOAT, "N", 1, 4, 4)
                .node("MaxPool", "x", "a", intsAttr("kernel_shape", 3, 3), intsAttr("pads", 1, 1, 1, 1))
                .output("a", FLOAT)).gen("x", ParityCase.uniform(-5, -1)).check(dir);
    }

    @Test
    void globalAveragePool() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 5, 4).node("GlobalAveragePool", "x", "y").output("y", FLOAT));
    }

    // ---- BatchNormalization -------------------------------------------------------------------------------

    @ParameterizedTest(name = "opset {0}")
    @ValueSource(ints = {9, 14, 15})
    void batchNormalization(int opset) throws Exception {
        INDArray var = rand(3).addi(1.5);
        check(m(opset).input("x", FLOAT, "N", 3, 4, 4).input("v", FLOAT, "N", 3)
                .initializer("g", rand(3)).initializer("b", rand(3)).initializer("mu", rand(3)).initializer("var", var)
                .node("BatchNormalization", "x,g,b,mu,var", "y", floatAttr("epsilon", 1e-3))
                .node("BatchNormalization", "v,g,b,mu,var", "z")
                .output("y", FLOAT).output("z", FLOAT));
    }

    // ---- Softmax ------------------------------------------------------------------------------------------

    @Test
    void softmaxOpset13() throws Exception {
        check(m(13).input("x", FLOAT, "N", 3, 5)
                .node("Softmax", "x", "a").node("Softmax", "x", "b", intAttr("axis", 1))
                .node("Softmax", "x", "c", intAttr("axis", 0))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT));
    }

    @Test
    void softmaxOpset11() throws Exception {
        // opset < 13 softmax flattens the input to 2-D at axis (default 1)
        check(m(11).input("x", FLOAT, "N", 5).input("z", FLOAT, "N", 3, 5)
                .node("Softmax", "x", "a").node("Softmax", "z", "b", intAttr("axis", -1))
                .node("Softmax", "z", "c", intAttr("axis", 2))
                .output("a", FLOAT).output("b", FLOAT).output("c", FLOAT));
    }

    @Test
    void softmaxOpset11FlattensLeadingAxis() throws Exception {
        check(m(11).input("z", FLOAT, "N", 3, 5)
                .node("Softmax", "z", "a").node("Softmax", "z", "b", intAttr("axis", 0))
                .output("a", FLOAT).output("b", FLOAT));
    }

    @Test
    void softmaxLargeLogits() throws Exception {
        ParityCase.of(m(13).input("x", FLOAT, "N", 6).node("Softmax", "x", "y").output("y", FLOAT))
                .gen("x", ParityCase.uniform(-80, 80)).check(dir);
    }

    // ---- LayerNormalization -------------------------------------------------------------------------------

    @Test
    void layerNormalizationOpset17() throws Exception {
        check(m(17).input("x", FLOAT, "N", 3, 8)
                .initializer("g", rand(8)).initializer("b", rand(8)).initializer("g2", rand(3, 8))
                .node("LayerNormalization", "x,g,b", "a")
                .node("LayerNormalization", "x,g", "c", intAttr("axis", -1), floatAttr("epsilon", 1e-3))
                .node("LayerNormalization", "x,g2", "d", intAttr("axis", 1))
                .node("LayerNormalization", "x,g,b", "e", intAttr("axis", 2), floatAttr("epsilon", 1e-12))
                .output("a", FLOAT).output("c", FLOAT).output("d", FLOAT).output("e", FLOAT));
    }

    @Test
    void layerNormalizationRank2() throws Exception {
        check(m(17).input("x", FLOAT, "N", 8).initializer("g", rand(8)).initializer("b", rand(8))
                .node("LayerNormalization", "x,g,b", "y").output("y", FLOAT));
    }

    @Test
    void layerNormalizationOffsetInput() throws Exception {
        // a large common offset: variance must not be computed as E[x²] − E[x]². Values 100 + k/64 keep the
        // two-pass computation exact in fp32 (x − mean needs few bits) while x² = 10⁴ + … needs 26 bits and
        // rounds, so a one-pass variance would be off by ~1e-3 here.
        ParityCase.Gen offset = (r, shape, t) -> ParityCase.ints(-64, 64).make(r, shape, t).divi(64).addi(100);
        ParityCase.of(m(17).input("x", FLOAT, "N", 16).initializer("g", rand(16))
                .node("LayerNormalization", "x,g", "y").output("y", FLOAT))
                .gen("x", offset).check(dir);
    }
}
