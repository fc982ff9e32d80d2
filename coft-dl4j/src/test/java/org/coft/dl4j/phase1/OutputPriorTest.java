package org.coft.dl4j.phase1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The uniform output prior: offsets fitted on the adaptation images, applied to any image afterwards. */
class OutputPriorTest {

    @Test
    void oneImageWorkedByHand() {
        // p = (0.8, 0.2): 0.8 e^b0 = 0.2 e^b1 and b0 = −b1 give b1 = ln 2
        double[] b = OutputPrior.fit(Nd4j.createFromArray(new double[][] {{0.8, 0.2}}));
        assertArrayEquals(new double[] {-Math.log(2), Math.log(2)}, b, 1e-9);
        INDArray q = OutputPrior.apply(Nd4j.createFromArray(new double[][] {{0.8, 0.2}, {0.5, 0.5}}), b);
        assertArrayEquals(new double[] {0.5, 0.5}, q.getRow(0).toDoubleVector(), 1e-9);
        // a new image: 0.5 e^−ln2 : 0.5 e^ln2 = 1 : 4
        assertArrayEquals(new double[] {0.2, 0.8}, q.getRow(1).toDoubleVector(), 1e-9);
    }

    @Test
    void theAdaptationImagesMeanPredictionBecomesUniformAndTheArgMaxMovesTowardsTheRareClasses() {
        double[][] p = {{0.7, 0.2, 0.1}, {0.6, 0.3, 0.1}, {0.5, 0.1, 0.4}, {0.45, 0.4, 0.15}, {0.2, 0.3, 0.5},
            {0.8, 0.1, 0.1}};
        double[] b = OutputPrior.fit(Nd4j.createFromArray(p));
        assertEquals(0.0, b[0] + b[1] + b[2], 1e-12, "offsets have mean 0");
        double[][] q = OutputPrior.apply(Nd4j.createFromArray(p), b).toDoubleMatrix();
        double[] mean = new double[3];
        for (double[] r : q) {
            assertEquals(1.0, r[0] + r[1] + r[2], 1e-12);
            for (int j = 0; j < 3; j++) {
                mean[j] += r[j] / q.length;
            }
        }
        assertArrayEquals(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, mean, 1e-9);
        assertTrue(b[0] < 0 && b[1] > 0 && b[2] > 0, java.util.Arrays.toString(b));
        // before: class 0 wins 5 of 6 images; after: class 1 takes image 3 (0.45 vs 0.40)
        assertEquals(1, argmax(q[3]));
    }

    @Test
    void uniformPredictionsNeedNoOffsetAndBadInputIsNamed() {
        assertArrayEquals(new double[] {0, 0}, OutputPrior.fit(Nd4j.createFromArray(new double[][] {{0.9, 0.1},
            {0.1, 0.9}})), 1e-9);
        INDArray p = Nd4j.createFromArray(new double[][] {{0.9, 0.1}});
        assertSame(p, OutputPrior.apply(p, null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OutputPrior.apply(p, new double[] {0, 0, 0}));
        assertTrue(e.getMessage().contains("3 offsets for 2 classes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OutputPrior.fit(Nd4j.createFromArray(new double[][] {{1.0, 0.0}, {1.0, 0.0}})));
        assertTrue(e.getMessage().contains("class 1 has probability 0 on every image"), e.getMessage());
    }

    @Test
    void coftFitsItUplAndOldConfigsDoNot() throws Exception {
        assertEquals(OutputPrior.UNIFORM, PhaseOneConfig.defaults().outputPrior());
        assertEquals(OutputPrior.NONE, PhaseOneConfig.upl().outputPrior());
        assertEquals(OutputPrior.UNIFORM, org.coft.dl4j.phase2.PhaseTwoConfig.defaults().outputPrior());
        // a config written before the field existed (a run's manifest) reads as NONE: old runs predict as before
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper()
                .readTree(PhaseOneConfig.defaults().toJson());
        json.remove("outputPrior");
        assertEquals(OutputPrior.NONE, new ObjectMapper().treeToValue(json, PhaseOneConfig.class).outputPrior());
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) {
            best = v[j] > v[best] ? j : best;
        }
        return best;
    }
}
