package org.coft.clip.onnx.ops;

import static org.coft.clip.onnx.parity.OnnxModelBuilder.FLOAT;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.stringAttr;
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
import org.nd4j.linalg.factory.Nd4j;

/** Parity with ONNX Runtime for Pad (constant mode), and clear import errors for the variants not supported. */
class OpPadTest {
    @TempDir
    Path dir;

    @Test
    void constantPadOpset11() throws Exception {
        ParityCase.of(new OnnxModelBuilder(11).input("x", FLOAT, "N", 3, 4)
                .initializer("p", Nd4j.createFromArray(0L, 1L, 2L, 0L, 0L, 1L))
                .initializer("v", Nd4j.scalar(0.5f))
                .node("Pad", "x,p", "a").node("Pad", "x,p,v", "b")
                .output("a", FLOAT).output("b", FLOAT)).check(dir);
    }

    @Test
    void constantPadOpset13AndZeroPads() throws Exception {
        ParityCase.of(new OnnxModelBuilder(13).input("x", FLOAT, "N", 2, 3, 3)
                .initializer("p", Nd4j.createFromArray(0L, 0L, 1L, 1L, 0L, 0L, 1L, 1L))
                .initializer("z", Nd4j.createFromArray(0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L))
                .initializer("v", Nd4j.scalar(-3f))
                .node("Pad", "x,p,v", "a", stringAttr("mode", "constant")).node("Pad", "x,z", "b")
                .output("a", FLOAT).output("b", FLOAT)).check(dir);
    }

    private OnnxImportException rejected(OnnxModelBuilder b) throws Exception {
        Path f = b.write(dir, "pad.onnx");
        return assertThrows(OnnxImportException.class, () -> new OnnxImporter().importModel(f));
    }

    @Test
    void unsupportedVariantsNameTheNode() throws Exception {
        OnnxImportException reflect = rejected(new OnnxModelBuilder(13).input("x", FLOAT, "N", 4)
                .initializer("p", Nd4j.createFromArray(0L, 1L, 0L, 1L))
                .namedNode("pad", "Pad", "x,p", "y", stringAttr("mode", "reflect")).output("y", FLOAT));
        assertEquals("pad", reflect.problems().get(0).node(), reflect.getMessage());
        assertTrue(reflect.getMessage().contains("reflect"), reflect.getMessage());

        OnnxImportException negative = rejected(new OnnxModelBuilder(13).input("x", FLOAT, "N", 4)
                .initializer("p", Nd4j.createFromArray(0L, -1L, 0L, 1L))
                .namedNode("crop", "Pad", "x,p", "y").output("y", FLOAT));
        assertEquals("crop", negative.problems().get(0).node(), negative.getMessage());
        assertTrue(negative.getMessage().contains("negative"), negative.getMessage());

        OnnxImportException batch = rejected(new OnnxModelBuilder(13).input("x", FLOAT, "N", 4)
                .initializer("p", Nd4j.createFromArray(1L, 0L, 0L, 0L))
                .namedNode("padN", "Pad", "x,p", "y").output("y", FLOAT));
        assertEquals("padN", batch.problems().get(0).node(), batch.getMessage());
    }
}
