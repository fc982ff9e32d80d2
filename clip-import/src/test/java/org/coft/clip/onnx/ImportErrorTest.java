package org.coft.clip.onnx;

import static org.coft.clip.onnx.parity.OnnxModelBuilder.BOOL;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.FLOAT;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.INT64;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intAttr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.parity.OnnxModelBuilder;
import org.coft.clip.onnx.parity.ParityCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Unreadable and unsupported models, and bad inputs to {@link OnnxGraph#run}, fail with messages that say what. */
class ImportErrorTest {
    @TempDir
    Path dir;

    private static OnnxModelBuilder relu() {
        return new OnnxModelBuilder(13).input("x", FLOAT, "N", 3, 4).node("Relu", "x", "y").output("y", FLOAT);
    }

    @Test
    void allUnsupportedOpsAreListedInOneException() throws Exception {
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("boxes", FLOAT, "N", 5, 4).input("scores", FLOAT, "N", 1, 5)
                .namedNode("nms", "NonMaxSuppression", "boxes,scores", "sel")
                .namedNode("ein", "Einsum", "sel", "e", OnnxModelBuilder.stringAttr("equation", "ij->ji"))
                .namedNode("after", "Relu", "e", "y")   // fed by an unsupported node: not reported again
                .output("y", INT64);
        Path f = b.write(dir, "two-unsupported.onnx");
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> new OnnxImporter().importModel(f));
        List<OnnxImportException.Problem> p = e.problems();
        assertEquals(2, p.size(), e.getMessage());
        assertEquals(List.of("nms", "ein"), p.stream().map(OnnxImportException.Problem::node).toList());
        assertEquals(List.of("NonMaxSuppression", "Einsum"), p.stream().map(OnnxImportException.Problem::opType).toList());
        assertTrue(p.stream().allMatch(q -> q.opset() == 13), p.toString());
        assertTrue(e.getMessage().contains("two-unsupported.onnx"), e.getMessage());
        assertTrue(e.getMessage().contains("'nms' (NonMaxSuppression, ai.onnx opset 13)"), e.getMessage());
        assertTrue(e.getMessage().contains("'ein' (Einsum, ai.onnx opset 13)"), e.getMessage());
    }

    @Test
    void opBelowItsSupportedOpsetNamesTheOpset() throws Exception {
        Path f = new OnnxModelBuilder(14).input("x", FLOAT, "N", 8)
                .namedNode("ln", "LayerNormalization", "x", "y").output("y", FLOAT).write(dir, "ln14.onnx");
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> new OnnxImporter().importModel(f));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertEquals("ln", e.problems().get(0).node());
        assertEquals(14, e.problems().get(0).opset());
        assertTrue(e.getMessage().contains("opset 17"), e.getMessage());
    }

    @Test
    void unsupportedVariantOfASupportedOpIsReportedWithTheNode() throws Exception {
        Path f = new OnnxModelBuilder(13).input("x", FLOAT, "N", 4, 6, 6).initializer("w", Nd4j.rand(DataType.FLOAT, 4, 2, 3, 3))
                .namedNode("grouped", "Conv", "x,w", "y", intAttr("group", 2)).output("y", FLOAT).write(dir, "g.onnx");
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> new OnnxImporter().importModel(f));
        assertEquals("grouped", e.problems().get(0).node());
        assertTrue(e.getMessage().contains("group"), e.getMessage());
    }

    @Test
    void truncatedFileNamesTheFile() throws Exception {
        byte[] full = relu().initializer("unused", Nd4j.rand(DataType.FLOAT, 64)).bytes();
        Path f = dir.resolve("truncated.onnx");
        Files.write(f, Arrays.copyOf(full, full.length / 2));
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> new OnnxImporter().importModel(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.source().contains("truncated.onnx"), e.source());
    }

    @Test
    void missingFileNamesTheFile() {
        Path f = dir.resolve("nope.onnx");
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> new OnnxImporter().importModel(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void unboundSymbolicDimNamesInputAndAxis() throws Exception {
        OnnxModelBuilder b = new OnnxModelBuilder(13).input("ids", INT64, "N", "seq").node("Neg", "ids", "y")
                .output("y", INT64);
        Path f = b.write(dir, "seq.onnx");
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> new OnnxImporter().importModel(f));
        assertTrue(e.getMessage().contains("'ids' axis 1"), e.getMessage());
        assertTrue(e.getMessage().contains("seq"), e.getMessage());
        // bound, it imports and runs with the bound size
        ParityCase.of(b).options(ImportOptions.defaults().withDim("seq", 7)).check(Files.createDirectory(dir.resolve("b")));
    }

    @Test
    void badInputsToRunNameTheInput() throws Exception {
        OnnxGraph g = new OnnxImporter().importModel(relu().write(dir, "relu.onnx"));
        INDArray ok = Nd4j.rand(DataType.FLOAT, 2, 3, 4);
        assertEquals(List.of(2L, 3L, 4L), Arrays.stream(g.run(Map.of("x", ok)).get("y").shape()).boxed().toList());

        IllegalArgumentException name = assertThrows(IllegalArgumentException.class, () -> g.run(Map.of("z", ok)));
        assertTrue(name.getMessage().contains("'z'"), name.getMessage());

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> g.run(Map.of()));
        assertTrue(missing.getMessage().contains("'x'"), missing.getMessage());

        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> g.run(Map.of("x", Nd4j.rand(DataType.FLOAT, 2, 4, 3))));
        assertTrue(shape.getMessage().contains("'x'") && shape.getMessage().contains("[2, 4, 3]"), shape.getMessage());

        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> g.run(Map.of("x", Nd4j.rand(DataType.FLOAT, 3, 4))));
        assertTrue(rank.getMessage().contains("'x'"), rank.getMessage());

        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> g.run(Map.of("x", Nd4j.zeros(DataType.LONG, 2, 3, 4))));
        assertTrue(type.getMessage().contains("'x'") && type.getMessage().contains("LONG"), type.getMessage());

        IllegalArgumentException bool = assertThrows(IllegalArgumentException.class,
                () -> g.run(Map.of("x", Nd4j.zeros(DataType.BOOL, 2, 3, 4))));
        assertTrue(bool.getMessage().contains("'x'"), bool.getMessage());

        IllegalArgumentException output = assertThrows(IllegalArgumentException.class,
                () -> g.run(Map.of("x", ok), List.of("nope")));
        assertTrue(output.getMessage().contains("'nope'"), output.getMessage());
    }

    @Test
    void boolInputRejectsFloats() throws Exception {
        OnnxGraph g = new OnnxImporter().importModel(new OnnxModelBuilder(13).input("m", BOOL, "N", 3)
                .node("Not", "m", "y").output("y", BOOL).write(dir, "not.onnx"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.run(Map.of("m", Nd4j.zeros(DataType.FLOAT, 2, 3))));
        assertTrue(e.getMessage().contains("'m'"), e.getMessage());
    }
}
