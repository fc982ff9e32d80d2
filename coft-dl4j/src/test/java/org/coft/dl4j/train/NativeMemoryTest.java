package org.coft.dl4j.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Freed native memory goes back to the system at a stage boundary, and the property turns that off. */
class NativeMemoryTest {
    @Test
    void releaseReturnsFreedArraysToTheSystem() {
        // 4,000 arrays of 64 KiB (below glibc's mmap threshold, so they come from malloc's arenas), each followed by a
        // small array that stays alive, so that freeing the large ones leaves holes malloc keeps unless trimmed
        List<INDArray> keep = new ArrayList<>();
        List<INDArray> free = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            free.add(Nd4j.ones(DataType.FLOAT, 16 * 1024));
            keep.add(Nd4j.ones(DataType.FLOAT, 4));
        }
        free.forEach(INDArray::close);
        free.clear();
        long before = Pointer.physicalBytes();
        boolean trimmed = NativeMemory.release("test");
        Assumptions.assumeTrue(trimmed, "this JVM has no System.trim_native_heap (JDK 17.0.9+ on glibc)");
        long after = Pointer.physicalBytes();
        System.out.printf("resident %d MiB before the release, %d MiB after%n", before >> 20, after >> 20);
        assertTrue(before - after > (100L << 20), "the release returned only " + ((before - after) >> 20)
                + " MiB of the 250 MiB freed");
        keep.forEach(INDArray::close);
    }

    @Test
    void thePropertyTurnsItOff() {
        System.setProperty(NativeMemory.PROPERTY, "false");
        try {
            assertFalse(NativeMemory.enabled());
            assertFalse(NativeMemory.release("test"));
        } finally {
            System.clearProperty(NativeMemory.PROPERTY);
        }
        assertTrue(NativeMemory.enabled());
    }
}
