package org.coft.clip.onnx.ir;

import java.util.List;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Element type and shape of a tensor during import. Dimensions may be symbolic (dynamic batch).
 *
 * @param dataType element type
 * @param shape    dimensions, outermost first
 */
public record TensorType(DataType dataType, List<Dim> shape) {
    public TensorType {
        shape = List.copyOf(shape);
    }

    public int rank() {
        return shape.size();
    }

    public Dim dim(int axis) {
        return shape.get(axis);
    }

    /** True when every dimension is known. */
    public boolean isStatic() {
        return shape.stream().allMatch(Dim::isKnown);
    }

    /** Dimensions as longs with -1 for the one symbolic dimension; null when two or more are symbolic. */
    public long[] shapeWithWildcard() {
        long[] out = new long[shape.size()];
        int unknown = 0;
        for (int i = 0; i < out.length; i++) {
            Dim d = shape.get(i);
            if (d.isKnown()) {
                out[i] = d.value();
            } else {
                out[i] = -1;
                unknown++;
            }
        }
        return unknown <= 1 ? out : null;
    }

    public static TensorType of(DataType type, long... dims) {
        return new TensorType(type, java.util.Arrays.stream(dims).mapToObj(Dim::of).toList());
    }

    @Override
    public String toString() {
        return dataType + shape.stream().map(Dim::toString).collect(Collectors.joining(",", "[", "]"));
    }
}
