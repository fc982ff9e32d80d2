package org.coft.clip.onnx;

import static org.coft.clip.onnx.parity.OnnxModelBuilder.FLOAT;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intAttr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import onnx.Onnx;
import org.coft.clip.onnx.parity.OnnxModelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The malformed models the reliability review found (each once crashed the JVM, leaked an untyped exception, was
 * accepted silently or took quadratic time) are refused with {@link OnnxImportException} naming file, node and value.
 */
class MalformedModelTest {
    @TempDir
    Path dir;

    private OnnxImportException refused(Onnx.ModelProto m, String file) throws Exception {
        Path f = dir.resolve(file);
        Files.write(f, m.toByteArray());
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> new OnnxImporter().importModel(f));
        assertTrue(e.getMessage().contains(file), "names the file: " + e.getMessage());
        return e;
    }

    private static void mentions(OnnxImportException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
        }
    }

    private static OnnxModelBuilder relu() {
        return new OnnxModelBuilder(17).input("x", FLOAT, "N", 3).node("Relu", "x", "y").output("y", FLOAT);
    }

    @Test
    void gatherIndicesOutOfRangeInConstantFoldingAreRefusedBeforeLibnd4j() throws Exception {
        // libnd4j's gather read out of bounds on these (SIGSEGV in sd::ops::helpers::gather)
        Onnx.ModelProto m = new OnnxModelBuilder(17).input("x", FLOAT, "N", 3)
                .constant("data", Nd4j.rand(DataType.FLOAT, 4, 3)).constant("idx", Nd4j.createFromArray(1L, 9L))
                .namedNode("pick", "Gather", "data,idx", "g", intAttr("axis", 0))
                .node("Add", "x,x", "y").output("y", FLOAT).output("g", FLOAT).build();
        mentions(refused(m, "gather.onnx"), "'pick' (Gather", "[1, 9]", "axis 0 has size 4");
        Onnx.ModelProto neg = new OnnxModelBuilder(17).input("x", FLOAT, "N", 4, 3)
                .constant("idx", Nd4j.createFromArray(-5L))
                .namedNode("pick", "Gather", "x,idx", "g", intAttr("axis", 1)).output("g", FLOAT).build();
        mentions(refused(neg, "gather-live.onnx"), "'pick' (Gather", "axis 1 has size 4");
    }

    @Test
    void foldingAHugeConstantIsRefusedWithoutAllocatingIt() throws Exception {
        Onnx.ModelProto m = new OnnxModelBuilder(17).input("x", FLOAT, "N", 3)
                .constant("shape", Nd4j.createFromArray(1L << 20, 1L << 20))
                .namedNode("fill", "ConstantOfShape", "shape", "big")
                .node("Add", "x,x", "y").output("y", FLOAT).output("big", FLOAT).build();
        mentions(refused(m, "bomb.onnx"), "'fill' (ConstantOfShape", "more than " + (1L << 27) + " elements");
    }

    @Test
    void initializersWithoutDataOrWithNegativeDimsAreNamed() throws Exception {
        Onnx.ModelProto.Builder m = relu().initializer("w", Nd4j.rand(DataType.FLOAT, 32, 3, 8, 8)).build().toBuilder();
        m.getGraphBuilder().getInitializerBuilder(0).clearRawData();
        mentions(refused(m.build(), "nodata.onnx"), "tensor 'w' has 0 elements", "needs 6144");
        Onnx.ModelProto.Builder n = relu().initializer("w", Nd4j.rand(DataType.FLOAT, 2, 3)).build().toBuilder();
        n.getGraphBuilder().getInitializerBuilder(0).setDims(1, -3);
        mentions(refused(n.build(), "negdim.onnx"), "tensor 'w' has a negative dim");
    }

    @Test
    void externalDataIsConfinedToTheModelFolderAndItsOffsetsChecked() throws Exception {
        Files.writeString(dir.resolve("weights.bin"), "0123456789abcdef");
        for (String[] c : new String[][] {{"../../../../etc/passwd", "0", "outside the model's folder"},
                {"/etc/passwd", "0", "outside the model's folder"},
                {"weights.bin", "abc", "offset 'abc'"},
                {"weights.bin", "-5", "offset '-5'"},
                {"weights.bin", "99999999999999999999", "expected a non-negative integer"},
                {"weights.bin", "12", "has 4 bytes of data, expected 8"}, {"weights.bin", "17", "is shorter"}}) {
            Onnx.ModelProto.Builder m = relu().initializer("w", Nd4j.rand(DataType.FLOAT, 2)).build().toBuilder();
            Onnx.TensorProto.Builder t = m.getGraphBuilder().getInitializerBuilder(0).clearRawData()
                    .setDataLocation(Onnx.TensorProto.DataLocation.EXTERNAL);
            t.addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("location").setValue(c[0]));
            t.addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("offset").setValue(c[1]));
            mentions(refused(m.build(), "external.onnx"), "tensor 'w'", c[2]);
        }
        // inside the folder it is read
        Onnx.ModelProto.Builder ok = relu().initializer("w", Nd4j.rand(DataType.FLOAT, 2)).build().toBuilder();
        Onnx.TensorProto.Builder t = ok.getGraphBuilder().getInitializerBuilder(0).clearRawData()
                .setDataLocation(Onnx.TensorProto.DataLocation.EXTERNAL);
        t.addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"));
        t.addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("offset").setValue("8"));
        Path f = dir.resolve("ok.onnx");
        Files.write(f, ok.build().toByteArray());
        assertEquals(1, new OnnxImporter().importModel(f).report().runtimeOpCount());
    }

    @Test
    void inputSizesBelowOneAreRefused() throws Exception {
        for (long bad : new long[] {-5, 0}) {
            Onnx.ModelProto.Builder m = relu().build().toBuilder();
            m.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                    .getDimBuilder(1).setDimValue(bad);
            mentions(refused(m.build(), "dims.onnx"), "graph input 'x' axis 1 has size " + bad, "must be ≥ 1");
        }
    }

    @Test
    void opsetsOutsideTheSupportedRangeAreRefused() throws Exception {
        for (long bad : new long[] {1000, -3, 0, 20}) {
            Onnx.ModelProto.Builder m = relu().build().toBuilder();
            m.getOpsetImportBuilder(0).setVersion(bad);
            mentions(refused(m.build(), "opset.onnx"), "opset " + bad + " of domain ai.onnx is outside the supported range");
        }
    }

    @Test
    void aGraphWithoutOutputsOrWithUndefinedOnesIsRefused() throws Exception {
        Onnx.ModelProto.Builder m = relu().build().toBuilder();
        m.getGraphBuilder().clearOutput();
        mentions(refused(m.build(), "noout.onnx"), "the graph has no outputs");
        Onnx.ModelProto.Builder u = relu().build().toBuilder();
        u.getGraphBuilder().getOutputBuilder(0).setName("ghost");
        mentions(refused(u.build(), "ghost.onnx"), "graph output 'ghost' is not produced");
    }

    @Test
    void duplicateValuesUnknownInputsAndNodesWithoutOutputsAreNamed() throws Exception {
        Onnx.ModelProto dup = new OnnxModelBuilder(17).input("x", FLOAT, "N", 3)
                .namedNode("a", "Relu", "x", "y").namedNode("b", "Neg", "x", "y").output("y", FLOAT).build();
        mentions(refused(dup, "dup.onnx"), "node 'b' (Neg", "output 'y' is already defined (by node 'a')");
        Onnx.ModelProto shadow = new OnnxModelBuilder(17).input("x", FLOAT, "N", 3)
                .namedNode("a", "Relu", "x", "x").output("x", FLOAT).build();
        mentions(refused(shadow, "shadow.onnx"), "output 'x' is already defined (by graph input)");
        Onnx.ModelProto order = new OnnxModelBuilder(17).input("x", FLOAT, "N", 3)
                .namedNode("late", "Neg", "z", "y").namedNode("early", "Relu", "x", "z").output("y", FLOAT).build();
        mentions(refused(order, "order.onnx"), "node 'late' (Neg", "input 'z' is not defined before this node");
        Onnx.ModelProto.Builder none = relu().build().toBuilder();
        none.getGraphBuilder().getNodeBuilder(0).clearOutput();
        mentions(refused(none.build(), "noout-node.onnx"), "node has no outputs");
    }

    @Test
    void attributesOfTheWrongKindBadPermutationsAndRankMismatchesAreNamed() throws Exception {
        Onnx.ModelProto kind = new OnnxModelBuilder(17).input("x", FLOAT, "N", 3)
                .namedNode("sm", "Softmax", "x", "y", OnnxModelBuilder.stringAttr("axis", "last")).output("y", FLOAT)
                .build();
        mentions(refused(kind, "kind.onnx"), "'sm' (Softmax", "attribute 'axis' is STRING, expected INT");
        Onnx.ModelProto perm = new OnnxModelBuilder(17).input("x", FLOAT, "N", 3, 4)
                .namedNode("t", "Transpose", "x", "y", OnnxModelBuilder.intsAttr("perm", 0, 0, 1)).output("y", FLOAT)
                .build();
        mentions(refused(perm, "perm.onnx"), "'t' (Transpose", "perm [0, 0, 1] is not a permutation of the 3 axes");
        Onnx.ModelProto ranks = new OnnxModelBuilder(17).input("x", FLOAT, "N", 3, 4).input("z", FLOAT, "N", 3)
                .namedNode("cat", "Concat", "x,z", "y", intAttr("axis", 1)).output("y", FLOAT).build();
        mentions(refused(ranks, "ranks.onnx"), "'cat' (Concat", "input 1 has rank 2", "Concat needs equal ranks");
    }

    @Test
    void aLongChainImportsInLinearTime() {
        // SameDiff tries op names <op>, <op>_1, … against every name: 200k nodes of one type took hours before each
        // node got a scope of its own. The bound here is a hang guard, not a benchmark (it takes seconds).
        int n = 200_000;
        OnnxModelBuilder b = new OnnxModelBuilder(17).input("x", FLOAT, "N", 4);
        String prev = "x";
        for (int i = 0; i < n; i++) {
            String o = "v" + i;
            b.node("Identity", prev, o);
            prev = o;
        }
        b.output(prev, FLOAT);
        OnnxGraph g = assertTimeoutPreemptively(Duration.ofSeconds(180),
                () -> new OnnxImporter().importModel(b.write(dir, "chain.onnx")));
        assertEquals(n, g.report().onnxOpCount());
        assertEquals(n, g.report().sameDiffOps(), "one SameDiff op per node");
        // (not run: SameDiff's own executor tracks dependencies in time that grows faster than the graph)
    }
}
