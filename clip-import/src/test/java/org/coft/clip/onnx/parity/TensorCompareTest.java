package org.coft.clip.onnx.parity;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.opentest4j.AssertionFailedError;

/** The comparison the parity tests rely on fails when it should, and says where. */
class TensorCompareTest {
    private static final double ATOL = 1e-5;
    private static final double RTOL = 1e-4;

    @Test
    void withinToleranceAndNaNAtTheSamePlacePass() {
        INDArray e = Nd4j.createFromArray(1f, 100f, Float.NaN, Float.NEGATIVE_INFINITY);
        INDArray a = Nd4j.createFromArray(1.000005f, 100.009f, Float.NaN, Float.NEGATIVE_INFINITY);
        assertDoesNotThrow(() -> TensorCompare.assertClose("x", e, a, ATOL, RTOL));
    }

    @Test
    void valueOutsideToleranceFailsWithErrorsAndWorstIndex() {
        INDArray e = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
        INDArray a = e.dup();
        a.putScalar(1, 2, 6.01f);
        AssertionFailedError f = assertThrows(AssertionFailedError.class,
                () -> TensorCompare.assertClose("out", e, a, ATOL, RTOL));
        assertTrue(f.getMessage().contains("max abs err 1.0"), f.getMessage());
        assertTrue(f.getMessage().contains("[1, 2]"), f.getMessage());
    }

    @Test
    void nanAgainstNumberFails() {
        assertThrows(AssertionFailedError.class, () -> TensorCompare.assertClose("x",
                Nd4j.createFromArray(1f, 2f), Nd4j.createFromArray(1f, Float.NaN), ATOL, RTOL));
    }

    @Test
    void shapeAndTypeMustMatch() {
        INDArray e = Nd4j.createFromArray(1f, 2f, 3f, 4f);
        assertThrows(AssertionFailedError.class, () -> TensorCompare.assertClose("x", e, e.reshape(2, 2), ATOL, RTOL));
        assertThrows(AssertionFailedError.class, () -> TensorCompare.assertClose("x", e.reshape(1, 4), e, ATOL, RTOL));
        assertThrows(AssertionFailedError.class,
                () -> TensorCompare.assertClose("x", e, e.castTo(DataType.DOUBLE), ATOL, RTOL));
    }

    @Test
    void integersAndBooleansAreExact() {
        INDArray e = Nd4j.createFromArray(1L, 2L, 3L);
        assertDoesNotThrow(() -> TensorCompare.assertClose("x", e, e.dup(), ATOL, RTOL));
        assertThrows(AssertionFailedError.class,
                () -> TensorCompare.assertClose("x", e, Nd4j.createFromArray(1L, 2L, 4L), 10, 10));
        assertThrows(AssertionFailedError.class, () -> TensorCompare.assertClose("x",
                Nd4j.createFromArray(true, false), Nd4j.createFromArray(true, true), ATOL, RTOL));
    }
}
