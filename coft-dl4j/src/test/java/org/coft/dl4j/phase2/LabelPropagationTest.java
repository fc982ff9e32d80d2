package org.coft.dl4j.phase2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Label propagation over the nearest-neighbour graph, and Phase II's two label rules built on the last networks. */
class LabelPropagationTest {

    /** Unit vectors at the given angles (degrees), scaled differently (cosine similarity ignores the scale). */
    static INDArray atAngles(double... degrees) {
        double[][] v = new double[degrees.length][];
        for (int i = 0; i < degrees.length; i++) {
            double r = Math.toRadians(degrees[i]);
            v[i] = new double[] {(i + 1) * Math.cos(r), (i + 1) * Math.sin(r)};
        }
        return Nd4j.createFromArray(v);
    }

    @Test
    void oneStepMatchesTheDenseFormulaWorkedByHand() {
        // 0°, 10°, 90°, k = 1: 0 → 1, 1 → 0, 2 → 1 (cos 80° > cos 90°); γ = 1 so weights are the cosines
        double a = Math.cos(Math.toRadians(10));
        double b = Math.cos(Math.toRadians(80));
        double[][] w = {{0, 2 * a, 0}, {2 * a, 0, b}, {0, b, 0}}; // A + Aᵀ
        double[] d = {2 * a, 2 * a + b, b};
        double[][] y = {{1, 0}, {0, 0}, {0, 1}}; // image 0 class 0, image 2 class 1 (one seed each: columns / 1)
        double alpha = 0.5;
        double[][] expected = new double[3][2];
        for (int i = 0; i < 3; i++) {
            for (int c = 0; c < 2; c++) {
                double s = 0;
                for (int j = 0; j < 3; j++) {
                    s += w[i][j] / Math.sqrt(d[i] * d[j]) * y[j][c];
                }
                expected[i][c] = alpha * s + (1 - alpha) * y[i][c];
            }
        }
        double[][] z = new LabelPropagation(1, 1.0, alpha, 1).scores(atAngles(0, 10, 90), new int[] {0, -1, 1}, 2);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(expected[i], z[i], 1e-6, "image " + i);
        }
    }

    @Test
    void twoClustersTakeTheirSeedsClass() {
        // a cluster near 0° and one near 90°, one seed in each; every member takes its cluster's class
        INDArray f = atAngles(0, 3, 6, 9, 12, 80, 84, 87, 90, 93);
        int[] seeds = {-1, -1, 0, -1, -1, -1, -1, 1, -1, -1};
        int[] got = LabelPropagation.standard(3).predict(f, seeds, 2);
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, got);
    }

    @Test
    void aChainBetweenTwoSeedGroupsSplitsByDistance() {
        // three seeds of class 0 at one end, one of class 1 at the other, a chain between: each end takes its seeds
        INDArray f = atAngles(0, 1, 2, 10, 20, 30, 40, 50);
        int[] seeds = {0, 0, 0, -1, -1, -1, -1, 1};
        int[] got = LabelPropagation.standard(2).predict(f, seeds, 2);
        assertEquals(0, got[3]);
        assertEquals(1, got[6]);
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LabelPropagation(0, 3, 0.99, 30));
        assertTrue(e.getMessage().contains("k 0 (at least 1)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LabelPropagation.standard(2).scores(atAngles(0, 1, 2), new int[] {0, 1}, 2));
        assertTrue(e.getMessage().contains("2 labels for 3 images"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LabelPropagation.standard(2).scores(atAngles(0, 1, 2), new int[] {0, 5, -1}, 2));
        assertTrue(e.getMessage().contains("label 5 for 2 classes"), e.getMessage());
    }

    @Test
    void manifoldCheckDropsTheLabelsThePropagationContradicts() {
        INDArray f = atAngles(0, 3, 6, 9, 12, 80, 84, 87, 90, 93);
        int[] seeds = {-1, -1, 0, -1, -1, -1, -1, 1, -1, -1};
        // the filter's labels: image 1 wrongly class 1, image 8 wrongly class 0, image 4 not kept
        int[] kept = {0, 1, 0, 0, -1, 1, 1, 1, 0, 1};
        PhaseTwo.Labels in = new PhaseTwo.Labels(Map.of("U", kept), "filter");
        PhaseTwoConfig off = PhaseTwoConfig.defaults();
        assertSame(in, PhaseTwo.manifoldCheck(off, in, f, seeds, 2));
        PhaseTwoConfig on = off.withManifoldCheck(PhaseTwoConfig.ManifoldCheck.SEED_PROPAGATION, 3);
        PhaseTwo.Labels out = PhaseTwo.manifoldCheck(on, in, f, seeds, 2);
        assertArrayEquals(new int[] {0, -1, 0, 0, -1, 1, 1, 1, -1, 1}, out.perNetwork().get("U"));
        assertTrue(out.summary().contains("network U keeps 7 of its 9 labels"), out.summary());
        assertArrayEquals(new int[] {0, 1, 0, 0, -1, 1, 1, 1, 0, 1}, kept, "input labels untouched");
    }

    @Test
    void selfTrainingKeepsTheSameShareOfEachPredictedClassMostConfidentFirst() {
        // predicted: images 0–3 class 0 (4 images), 4–5 class 1 (2 images); keep 3 of 6 = half of each class
        double[][] p = {{0.6, 0.4}, {0.9, 0.1}, {0.7, 0.3}, {0.9, 0.1}, {0.2, 0.8}, {0.45, 0.55}};
        PhaseTwo.Labels l = PhaseTwo.selfTrainingLabels(Nd4j.createFromArray(p), 3, "ST1");
        // class 0: 0.9 (img 1), 0.9 (img 3, tie → lower index first): keeps 1 and 3; class 1: round(3·2/6) = 1 → img 4
        assertArrayEquals(new int[] {-1, 0, -1, 0, 1, -1}, l.perNetwork().get("ST1"));
        assertTrue(l.summary().contains("most confident 3 of 6 images"), l.summary());
        assertThrows(IllegalArgumentException.class, () -> PhaseTwo.selfTrainingLabels(Nd4j.createFromArray(p), 7, "S"));
    }

    @Test
    void configFieldsAreCheckedAndReadFromJson() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PhaseTwoConfig.defaults().withSelfTraining(-1));
        assertTrue(e.getMessage().contains("'phase2.selfTraining' = -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PhaseTwoConfig.defaults().withManifoldCheck(PhaseTwoConfig.ManifoldCheck.SEED_PROPAGATION, 0));
        assertTrue(e.getMessage().contains("'phase2.manifoldNeighbours' = 0"), e.getMessage());
        PhaseTwoConfig c = PhaseTwoConfig.defaults().withSelfTraining(2)
                .withManifoldCheck(PhaseTwoConfig.ManifoldCheck.SEED_PROPAGATION, 7);
        assertEquals(c, PhaseTwoConfig.mapper().readValue(c.toJson(), PhaseTwoConfig.class));
        assertEquals(PhaseTwoConfig.ManifoldCheck.NONE, PhaseTwoConfig.defaults().manifoldCheck());
        assertEquals(0, PhaseTwoConfig.defaults().selfTraining());
    }
}
