package org.coft.dl4j.phase2;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * MoCo's queue of negative keys: a fixed-size FIFO of key vectors [size, dim]. Each step enqueues the batch's
 * keys and drops the oldest; until it is full only the keys enqueued so far are negatives ({@link #keys()}).
 * Implemented as a ring buffer (no copies per step).
 */
public final class KeyQueue {
    private final INDArray buffer;
    private int next;
    private int filled;

    public KeyQueue(int size, int dim) {
        if (size < 1 || dim < 1) {
            throw new IllegalArgumentException("queue size and key width must be positive, got " + size + ", " + dim);
        }
        buffer = Nd4j.zeros(DataType.FLOAT, size, dim);
    }

    public int capacity() {
        return (int) buffer.size(0);
    }

    public int size() {
        return filled;
    }

    /** Enqueues keys [batch, dim] (oldest out first); a batch larger than the queue keeps its last rows. */
    public void enqueue(INDArray batch) {
        if (batch.rank() != 2 || batch.size(1) != buffer.size(1)) {
            throw new IllegalArgumentException("keys must be [batch, " + buffer.size(1) + "], got "
                    + java.util.Arrays.toString(batch.shape()));
        }
        int cap = capacity();
        for (long i = Math.max(0, batch.size(0) - cap); i < batch.size(0); i++) {
            buffer.getRow(next).assign(batch.getRow(i));
            next = (next + 1) % cap;
            filled = Math.min(cap, filled + 1);
        }
    }

    /** The keys held, oldest first [size(), dim] (a copy). */
    public INDArray keys() {
        int cap = capacity();
        if (filled < cap) {
            return buffer.get(NDArrayIndex.interval(0, filled), NDArrayIndex.all()).dup();
        }
        if (next == 0) {
            return buffer.dup();
        }
        return Nd4j.concat(0, buffer.get(NDArrayIndex.interval(next, cap), NDArrayIndex.all()),
                buffer.get(NDArrayIndex.interval(0, next), NDArrayIndex.all()));
    }

    /** The ring buffer itself [capacity, dim] (live; for checkpoints). */
    public INDArray buffer() {
        return buffer;
    }

    /** The row the next key goes to (for checkpoints). */
    public int next() {
        return next;
    }

    /**
     * Restores a checkpointed state.
     *
     * @throws IllegalArgumentException when the buffer's shape or the positions do not fit this queue
     */
    public void restore(INDArray savedBuffer, int savedNext, int savedFilled) {
        if (!java.util.Arrays.equals(savedBuffer.shape(), buffer.shape()) || savedNext < 0 || savedNext >= capacity()
                || savedFilled < 0 || savedFilled > capacity()) {
            throw new IllegalArgumentException("queue state " + java.util.Arrays.toString(savedBuffer.shape()) + ", next "
                    + savedNext + ", filled " + savedFilled + " does not fit a queue of " + capacity() + " x "
                    + buffer.size(1));
        }
        buffer.assign(savedBuffer);
        next = savedNext;
        filled = savedFilled;
    }
}
