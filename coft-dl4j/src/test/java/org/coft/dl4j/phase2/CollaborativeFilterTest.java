package org.coft.dl4j.phase2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The filtering rule on a hand-worked example (3 images, 2 classes). */
class CollaborativeFilterTest {
    @Test
    void keepsALabelIffTheOtherModelsPositiveBeatsItsNegative() {
        // A labels: img0 -> 0, img1 -> 1, img2 -> 0
        var a = new CollaborativeFilter.Scores(
                Nd4j.createFromArray(new double[][] {{0.9, 0.1}, {0.2, 0.8}, {0.6, 0.5}}),
                Nd4j.createFromArray(new double[][] {{0.5, 0.5}, {0.5, 0.5}, {0.5, 0.7}}));
        // B labels: img0 -> 0, img1 -> 0, img2 -> 1
        var b = new CollaborativeFilter.Scores(
                Nd4j.createFromArray(new double[][] {{0.7, 0.2}, {0.6, 0.4}, {0.3, 0.4}}),
                Nd4j.createFromArray(new double[][] {{0.6, 0.1}, {0.1, 0.5}, {0.35, 0.1}}));
        CollaborativeFilter.Result r = CollaborativeFilter.filter(a, b);
        assertArrayEquals(new int[] {0, 1, 0}, r.labelsA());
        assertArrayEquals(new int[] {0, 0, 1}, r.labelsB());
        // A's labels checked by B: img0 class 0: 0.7 > 0.6 keep; img1 class 1: 0.4 > 0.5 no; img2 class 0: 0.3 > 0.35 no
        assertArrayEquals(new boolean[] {true, false, false}, r.keptByB());
        // B's labels checked by A: img0 class 0: 0.9 > 0.5 keep; img1 class 0: 0.2 > 0.5 no; img2 class 1: 0.5 > 0.7 no
        assertArrayEquals(new boolean[] {true, false, false}, r.keptByA());
        assertArrayEquals(new int[] {1, 2}, r.rejected());
        assertEquals(1, r.agreedClean());
        assertThrows(IllegalArgumentException.class, () -> CollaborativeFilter.filter(a,
                new CollaborativeFilter.Scores(Nd4j.zeros(2, 2), Nd4j.zeros(2, 2))));
    }
}
