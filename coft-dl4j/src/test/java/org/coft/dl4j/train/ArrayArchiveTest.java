package org.coft.dl4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The same arrays give the same archive bytes: entries in name order, stamped with a fixed time. */
class ArrayArchiveTest {
    static byte[] write(Map<String, INDArray> arrays) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ArrayArchive.write(out, arrays, "{}");
        return out.toByteArray();
    }

    @Test
    void theBytesDependOnTheArraysOnly() throws Exception {
        INDArray a = Nd4j.linspace(1, 6, 6).reshape(2, 3);
        INDArray b = Nd4j.ones(4);
        Map<String, INDArray> ab = new LinkedHashMap<>();
        ab.put("a", a);
        ab.put("b", b);
        Map<String, INDArray> ba = new LinkedHashMap<>();
        ba.put("b", b);
        ba.put("a", a);
        byte[] first = write(ab);
        assertArrayEquals(first, write(ba), "insertion order must not matter");
        List<String> names = new ArrayList<>();
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(first))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                names.add(e.getName());
                assertEquals(java.time.LocalDateTime.of(2000, 1, 1, 0, 0), e.getTimeLocal(), "a fixed time, not the clock's");
            }
        }
        assertEquals(List.of("meta.json", "a.npy", "b.npy"), names);
    }
}
