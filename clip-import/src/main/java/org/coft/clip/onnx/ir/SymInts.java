package org.coft.clip.onnx.ir;

import java.util.Arrays;
import java.util.List;

/**
 * A small integer tensor (rank 0 or 1) whose elements are known at import time up to the symbolic batch
 * dimension: the value of a shape computation such as {@code Concat(Gather(Shape(x), 0), [77, 512])}.
 *
 * @param shape    tensor shape: {@code []} for a scalar, {@code [n]} for a vector
 * @param elements row-major elements
 */
public record SymInts(long[] shape, List<Dim> elements) {
    public SymInts {
        shape = shape.clone();
        elements = List.copyOf(elements);
        if (shape.length > 1) {
            throw new IllegalArgumentException("symbolic integer tensors have rank 0 or 1, got " + Arrays.toString(shape));
        }
    }

    public static SymInts vector(List<Dim> elements) {
        return new SymInts(new long[] {elements.size()}, elements);
    }

    public static SymInts scalar(Dim element) {
        return new SymInts(new long[0], List.of(element));
    }

    public boolean isScalar() {
        return shape.length == 0;
    }

    public int size() {
        return elements.size();
    }

    public Dim get(int i) {
        return elements.get(i);
    }

    public boolean isFullyKnown() {
        return elements.stream().allMatch(Dim::isKnown);
    }

    public long[] knownValues() {
        return elements.stream().mapToLong(Dim::value).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SymInts s && Arrays.equals(shape, s.shape) && elements.equals(s.elements);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + elements.hashCode();
    }

    @Override
    public String toString() {
        return (isScalar() ? "" : "vec") + elements;
    }
}
