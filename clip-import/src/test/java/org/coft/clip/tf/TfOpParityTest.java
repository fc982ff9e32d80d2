package org.coft.clip.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.coft.clip.Tensors;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tensorflow.framework.NodeDef;

/**
 * Every TF op converter against TensorFlow itself: one small frozen graph per case ({@code TfOpCases}, built and run
 * by TensorFlow Java in the oracle JVM), imported and run here; floats within atol 1e-5 / rtol 1e-4, integers exact.
 * {@link #everyConverterHasACase()} fails when a registered op has no case.
 */
class TfOpParityTest {
    /** Ops a single-op case cannot hold, and where they are tested instead. */
    private static final Map<String, String> ELSEWHERE = Map.of(
            "Const", "every case", "Placeholder", "every case",
            "VariableV2", "TfSavedModelTest (SavedModel variables)",
            "VarHandleOp", "TfGraphParserTest (no TF Java exporter writes resource variables)",
            "ReadVariableOp", "TfGraphParserTest");

    @TestFactory
    Stream<DynamicTest> everyCaseMatchesTensorFlow() throws Exception {
        Path dir = TfOracle.ops();
        List<String> cases = caseNames(dir);
        assertTrue(cases.size() > 60, cases.toString());
        return cases.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            OnnxGraph g = TfImporter.importModel(dir.resolve(name + ".pb"), ImportOptions.defaults());
            Map<String, INDArray> all = TfOracle.read(dir.resolve("ops.bin"), name);
            INDArray want = all.remove("out");
            INDArray got = g.run(all).get("out");
            if (want.dataType().isFPType()) {
                Tensors.assertClose(name, got, want, 1e-5, 1e-4);
            } else {
                // integer results: TF's int32 shape/arg-max values are int64 inside the imported graph
                assertArrayEquals(want.shape(), got.shape(), name + " shape");
                assertArrayEquals(want.castTo(DataType.LONG).dup('c').data().asLong(),
                        got.castTo(DataType.LONG).dup('c').data().asLong(), name);
            }
        }));
    }

    @Test
    void everyConverterHasACase() throws Exception {
        Path dir = TfOracle.ops();
        Set<String> covered = new TreeSet<>();
        for (String name : caseNames(dir)) {
            for (NodeDef n : TfGraphParser.readGraphDef(dir.resolve(name + ".pb")).getNodeList()) {
                covered.add(n.getOp());
            }
        }
        List<String> missing = new ArrayList<>();
        for (String op : TfOpRegistry.standard().supportedOps()) {
            if (!covered.contains(op) && !ELSEWHERE.containsKey(op)) {
                missing.add(op);
            }
        }
        assertEquals(List.of(), missing, "registered TF ops without a parity case");
    }

    private static List<String> caseNames(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".pb"))
                    .map(f -> f.substring(0, f.length() - 3)).sorted().toList();
        }
    }
}
