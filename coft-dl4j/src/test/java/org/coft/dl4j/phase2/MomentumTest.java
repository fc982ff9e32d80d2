package org.coft.dl4j.phase2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** EMA and queue semantics of the CoFT+ momentum-contrast parts. */
class MomentumTest {
    @Test
    void emaMovesTheKeyEncoderTowardsTheQueryEncoder() {
        INDArray q = Nd4j.createFromArray(new float[] {1f, 2f});
        MomentumEncoder m = new MomentumEncoder(Map.of("w", q), 0.9);
        q.assign(Nd4j.createFromArray(new float[] {11f, 22f}));
        assertEquals(Nd4j.createFromArray(new float[] {1f, 2f}), m.parameters().get("w"), "the key encoder is a copy");
        m.update(Map.of("w", q));
        // 0.9 * [1, 2] + 0.1 * [11, 22] = [2, 4]
        assertEquals(2.0, m.parameters().get("w").getDouble(0), 1e-6);
        assertEquals(4.0, m.parameters().get("w").getDouble(1), 1e-6);
        m.update(Map.of("w", q));
        assertEquals(0.9 * 2 + 0.1 * 11, m.parameters().get("w").getDouble(0), 1e-5);
        assertThrows(IllegalArgumentException.class, () -> m.update(Map.of("v", q)));
        assertThrows(IllegalArgumentException.class, () -> new MomentumEncoder(Map.of("w", q), 1.0));
    }

    static INDArray rows(float... firstColumn) {
        float[][] r = new float[firstColumn.length][2];
        for (int i = 0; i < r.length; i++) {
            r[i] = new float[] {firstColumn[i], -firstColumn[i]};
        }
        return Nd4j.createFromArray(r);
    }

    @Test
    void queueIsAFifoOfTheNewestKeys() {
        KeyQueue q = new KeyQueue(4, 2);
        assertEquals(0, q.size());
        q.enqueue(rows(1, 2, 3));
        assertEquals(rows(1, 2, 3), q.keys());
        q.enqueue(rows(4, 5));
        assertEquals(4, q.size());
        assertEquals(rows(2, 3, 4, 5), q.keys(), "oldest out first");
        q.enqueue(rows(6, 7, 8, 9, 10, 11));
        assertEquals(rows(8, 9, 10, 11), q.keys(), "a batch larger than the queue keeps its newest rows");
        assertThrows(IllegalArgumentException.class, () -> q.enqueue(Nd4j.zeros(2, 3)));
    }

    @Test
    void queueStateRestoresExactly() {
        KeyQueue q = new KeyQueue(3, 2);
        q.enqueue(Nd4j.createFromArray(new float[][] {{1, 1}, {2, 2}, {3, 3}, {4, 4}}));
        KeyQueue r = new KeyQueue(3, 2);
        r.restore(q.buffer().dup(), q.next(), q.size());
        assertEquals(q.keys(), r.keys());
        q.enqueue(Nd4j.createFromArray(new float[][] {{5, 5}}));
        r.enqueue(Nd4j.createFromArray(new float[][] {{5, 5}}));
        assertEquals(q.keys(), r.keys());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> r.restore(Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 2), 0, 0));
    }
}
