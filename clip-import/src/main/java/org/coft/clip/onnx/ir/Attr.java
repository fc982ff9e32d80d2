package org.coft.clip.onnx.ir;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A node attribute, decoded from ONNX into plain Java values. Exactly one field is meaningful, given by
 * {@code kind}.
 */
public record Attr(Kind kind, long i, double f, String s, long[] ints, float[] floats, INDArray tensor,
                   List<String> strings, Subgraph graph) {
    /** A branch or loop body: its nodes in order, its own constants, and its output value names. */
    public record Subgraph(List<IrNode> nodes, java.util.Map<String, INDArray> constants, List<String> outputs) { }

    public enum Kind { INT, FLOAT, STRING, INTS, FLOATS, TENSOR, STRINGS, GRAPH, OTHER }

    public static Attr ofInt(long v) {
        return new Attr(Kind.INT, v, 0, null, null, null, null, null, null);
    }

    public static Attr ofFloat(double v) {
        return new Attr(Kind.FLOAT, 0, v, null, null, null, null, null, null);
    }

    public static Attr ofString(String v) {
        return new Attr(Kind.STRING, 0, 0, v, null, null, null, null, null);
    }

    public static Attr ofInts(long[] v) {
        return new Attr(Kind.INTS, 0, 0, null, v.clone(), null, null, null, null);
    }

    public static Attr ofFloats(float[] v) {
        return new Attr(Kind.FLOATS, 0, 0, null, null, v.clone(), null, null, null);
    }

    public static Attr ofTensor(INDArray v) {
        return new Attr(Kind.TENSOR, 0, 0, null, null, null, v, null, null);
    }

    public static Attr ofStrings(List<String> v) {
        return new Attr(Kind.STRINGS, 0, 0, null, null, null, null, List.copyOf(v), null);
    }

    public static Attr ofGraph(Subgraph g) {
        return new Attr(Kind.GRAPH, 0, 0, null, null, null, null, null, g);
    }

    public static Attr other(Kind kind) {
        return new Attr(kind, 0, 0, null, null, null, null, null, null);
    }
}
