package org.coft.clip.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.tensorflow.framework.DataType;

/** The TF parser on small hand-built graphs: op semantics that the CLIP fixtures do not reach, and bad input. */
class TfGraphParserTest {
    @TempDir
    Path tmp;

    private static final String[] NONE = {};

    @Test
    void everyUnsupportedOpIsReportedAtOnceWithNodeAndOp() throws Exception {
        Path pb = new GraphDefBuilder().placeholder("x", DataType.DT_FLOAT, -1, 4)
                .node("c", "Cumsum", new String[] {"x", "axis"}).constI("axis", 1)
                .node("f", "FFT", new String[] {"c"})
                .node("out", "Identity", new String[] {"f"}).write(tmp.resolve("g.pb"));
        TfImportException e = assertThrows(TfImportException.class, () -> TfImporter.parse(pb));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("node 'c' (Cumsum, tensorflow"), e.getMessage());
        assertTrue(e.getMessage().contains("node 'f' (FFT, tensorflow"), e.getMessage());
        assertTrue(e.getMessage().contains(pb.toString()), e.getMessage());
    }

    /** Ops whose output shape depends on the data (TF's one-input Where: coordinates; Unique) are refused by name. */
    @Test
    void opsWithADataDependentShapeAreRefusedNamingNodeAndOp() throws Exception {
        Path pb = new GraphDefBuilder().placeholder("x", DataType.DT_FLOAT, -1, 4)
                .node("hits", "Where", new String[] {"x"})
                .node("u", "Unique", new String[] {"x"})
                .node("out", "Identity", new String[] {"hits"}).node("out2", "Identity", new String[] {"u"})
                .write(tmp.resolve("dd.pb"));
        TfImportException e = assertThrows(TfImportException.class, () -> TfImporter.parse(pb));
        assertTrue(e.getMessage().contains("node 'hits' (Where, tensorflow"), e.getMessage());
        assertTrue(e.getMessage().contains("node 'u' (Unique, tensorflow"), e.getMessage());
        assertTrue(e.getMessage().contains(pb.toString()), e.getMessage());
    }

    @Test
    void truncatedGraphDefNamesTheFile() throws Exception {
        Path fx = TfOracle.tiny();
        byte[] all = Files.readAllBytes(fx.resolve("frozen.pb"));
        Path cut = Files.write(tmp.resolve("cut.pb"), Arrays.copyOf(all, all.length / 2));
        TfImportException e = assertThrows(TfImportException.class, () -> TfImporter.parse(cut));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aVariableInAFrozenGraphIsAnErrorNamingTheNode() throws Exception {
        Path pb = new GraphDefBuilder().placeholder("x", DataType.DT_FLOAT, -1, 2)
                .node("w", "VariableV2", NONE, "dtype", DataType.DT_FLOAT, "shape", 0L)
                .node("r", "Identity", new String[] {"w"})
                .node("y", "MatMul", new String[] {"x", "r"}).write(tmp.resolve("v.pb"));
        TfImportException e = assertThrows(TfImportException.class, () -> TfImporter.parse(pb));
        assertTrue(e.getMessage().contains("node 'w' (VariableV2") && e.getMessage().contains("freeze"),
                e.getMessage());
    }

    @Test
    void resourceVariablesResolveThroughReadVariableOpBySharedName() throws Exception {
        var g = new GraphDefBuilder().placeholder("x", DataType.DT_FLOAT, -1, 2)
                .node("dense/kernel", "VarHandleOp", NONE, "dtype", DataType.DT_FLOAT, "shared_name", "kernel_v")
                .node("dense/read", "ReadVariableOp", new String[] {"dense/kernel"}, "dtype", DataType.DT_FLOAT)
                .node("y", "MatMul", new String[] {"x", "dense/read"}).build();
        INDArray w = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
        var ir = TfGraphParser.parse(g, "resource.pb", name -> name.equals("kernel_v") ? w : null, false, null);
        assertTrue(ir.initializers().contains("dense/kernel"), "the variable is a weight");
        OnnxGraph graph = new org.coft.clip.onnx.OnnxImporter().importGraph(ir, ImportOptions.defaults());
        INDArray x = Nd4j.createFromArray(new float[][] {{1, 1}, {0, 2}});
        assertEquals(x.mmul(w), graph.run(Map.of("x", x)).get("y"));
        assertEquals(1, graph.weights().size());
    }

    @Test
    void stridedSliceMasksNegativeStridesAndShrinkMatchNumpy() throws Exception {
        // x[:, ::-1, -1] on x of shape [B, 3, 4]: begin_mask/end_mask on axes 0-1, stride -1, shrink axis 2
        Path pb = new GraphDefBuilder().placeholder("x", DataType.DT_FLOAT, -1, 3, 4)
                .constI("b", 0, 0, -1).constI("e", 0, 0, 0).constI("s", 1, -1, 1)
                .node("y", "StridedSlice", new String[] {"x", "b", "e", "s"}, "begin_mask", 3L, "end_mask", 3L,
                        "shrink_axis_mask", 4L)
                .write(tmp.resolve("ss.pb"));
        OnnxGraph g = TfImporter.importModel(pb, ImportOptions.defaults());
        INDArray x = Nd4j.arange(24).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape(2, 3, 4);
        INDArray y = g.run(Map.of("x", x)).get("y");
        // numpy: x[:, ::-1, -1] = [[11, 7, 3], [23, 19, 15]]
        assertEquals(Nd4j.createFromArray(new float[][] {{11, 7, 3}, {23, 19, 15}}), y);
    }

    @Test
    void transposedMatMulAndAdjointBatchMatMul() throws Exception {
        Path pb = new GraphDefBuilder().placeholder("a", DataType.DT_FLOAT, -1, 2, 3)
                .placeholder("m", DataType.DT_FLOAT, 3, 2)
                .node("bmm", "BatchMatMulV2", new String[] {"a", "a"}, "adj_y", true)
                .node("mm", "MatMul", new String[] {"m", "m"}, "transpose_a", true)
                .write(tmp.resolve("mm.pb"));
        OnnxGraph g = TfImporter.importModel(pb, ImportOptions.defaults());
        INDArray a = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 2, 3);
        INDArray m = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 2);
        Map<String, INDArray> out = g.run(Map.of("a", a, "m", m));
        for (int b = 0; b < 2; b++) {
            INDArray ab = a.slice(b);
            org.coft.clip.Tensors.assertClose("bmm " + b, out.get("bmm").slice(b), ab.mmul(ab.transpose()), 1e-6, 1e-6);
        }
        org.coft.clip.Tensors.assertClose("mm", out.get("mm"), m.transpose().mmul(m), 1e-6, 1e-6);
    }
}
