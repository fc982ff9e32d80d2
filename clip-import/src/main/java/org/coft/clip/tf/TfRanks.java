package org.coft.clip.tf;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.tensorflow.framework.AttrValue;
import org.tensorflow.framework.NodeDef;

/**
 * Ranks of TF values, computed on demand from the GraphDef (the few converters that need one — e.g.
 * {@code BatchMatMulV2} with {@code adj_y} must transpose the last two axes — ask before shapes are inferred):
 * {@code _output_shapes} when the exporter wrote it, else a rule per op.
 */
final class TfRanks {
    private static final Set<String> SAME_AS_FIRST = Set.of("Identity", "StopGradient", "Snapshot", "Cast", "Neg",
            "Abs", "Exp", "Log", "Sqrt", "Rsqrt", "Square", "Sigmoid", "Tanh", "Erf", "Relu", "Softmax", "BiasAdd",
            "ReadVariableOp", "LogicalNot", "Reciprocal");
    private static final Set<String> BROADCAST = Set.of("Add", "AddV2", "Sub", "Mul", "RealDiv", "Div", "Pow",
            "Maximum", "Minimum", "SquaredDifference", "Greater", "GreaterEqual", "Less", "LessEqual", "Equal",
            "NotEqual", "LogicalAnd", "LogicalOr", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", "SelectV2");

    private final Map<String, NodeDef> nodes;
    private final Map<String, Integer> memo = new HashMap<>();

    TfRanks(Map<String, NodeDef> nodes) {
        this.nodes = nodes;
    }

    /** Rank of a value ({@code node} or {@code node:i}); {@link IllegalArgumentException} when not derivable. */
    int rank(String value) {
        Integer r = memo.get(value);
        if (r == null) {
            r = compute(value, 0);
            memo.put(value, r);
        }
        return r;
    }

    private int compute(String value, int depth) {
        if (depth > 200) {
            throw new IllegalArgumentException("rank of '" + value + "' is not derivable (graph too deep)");
        }
        int colon = value.lastIndexOf(':');
        String name = colon > 0 ? value.substring(0, colon) : value;
        int index = colon > 0 ? Integer.parseInt(value.substring(colon + 1)) : 0;
        NodeDef n = nodes.get(name);
        if (n == null) {
            throw new IllegalArgumentException("rank of '" + value + "' is not derivable (no such node)");
        }
        AttrValue shapes = n.getAttrMap().get("_output_shapes");
        if (shapes != null && shapes.getList().getShapeCount() > index
                && !shapes.getList().getShape(index).getUnknownRank()) {
            return shapes.getList().getShape(index).getDimCount();
        }
        String op = n.getOp();
        if (SAME_AS_FIRST.contains(op)) {
            return in(n, 0, depth);
        }
        if (BROADCAST.contains(op)) {
            int r = 0;
            for (int i = 0; i < n.getInputCount(); i++) {
                if (!n.getInput(i).startsWith("^")) {
                    r = Math.max(r, in(n, i, depth));
                }
            }
            return r;
        }
        return switch (op) {
            case "Const" -> n.getAttrMap().get("value").getTensor().getTensorShape().getDimCount();
            case "Placeholder", "VariableV2", "VarHandleOp" -> shapeRank(n, "shape", value);
            case "MatMul", "Range", "Shape" -> op.equals("MatMul") ? 2 : 1;
            case "Conv2D" -> 4;
            case "Reshape", "Fill", "BroadcastTo" -> vectorLength(n.getInput(1), value, depth);
            case "Transpose", "ConcatV2", "Select" -> in(n, op.equals("Select") ? 1 : 0, depth);
            case "ExpandDims", "Pack", "OneHot" -> in(n, 0, depth) + 1;
            case "GatherV2" -> in(n, 0, depth) - 1 + in(n, 1, depth);
            case "Mean", "Sum", "Max", "Min", "Prod" -> n.getAttrMap().containsKey("keep_dims")
                    && n.getAttrMap().get("keep_dims").getB() ? in(n, 0, depth)
                    : in(n, 0, depth) - vectorLength(n.getInput(1), value, depth);
            case "ArgMax", "ArgMin" -> in(n, 0, depth) - 1;
            case "Squeeze" -> {
                AttrValue dims = n.getAttrMap().get("squeeze_dims");
                if (dims == null || dims.getList().getICount() == 0) {
                    throw new IllegalArgumentException("rank of '" + value + "' (Squeeze of all unit axes) is not "
                            + "derivable before shapes are known");
                }
                yield in(n, 0, depth) - dims.getList().getICount();
            }
            case "StridedSlice" -> in(n, 0, depth) - Long.bitCount(attr(n, "shrink_axis_mask"))
                    + Long.bitCount(attr(n, "new_axis_mask"));
            default -> throw new IllegalArgumentException("rank of '" + value + "' (output of " + op
                    + ") is not derivable before shapes are known");
        };
    }

    private int in(NodeDef n, int i, int depth) {
        String v = n.getInput(i);
        Integer r = memo.get(v);
        if (r == null) {
            r = compute(v, depth + 1);
            memo.put(v, r);
        }
        return r;
    }

    private static long attr(NodeDef n, String key) {
        AttrValue a = n.getAttrMap().get(key);
        return a == null ? 0 : a.getI();
    }

    private static int shapeRank(NodeDef n, String key, String value) {
        AttrValue a = n.getAttrMap().get(key);
        if (a == null || a.getShape().getUnknownRank()) {
            throw new IllegalArgumentException("rank of '" + value + "' is unknown (no static shape)");
        }
        return a.getShape().getDimCount();
    }

    /** Length of a 1-D value (a shape or axes vector): a Const's size, a Pack's input count, a Shape's rank. */
    private int vectorLength(String value, String asked, int depth) {
        int colon = value.lastIndexOf(':');
        NodeDef n = nodes.get(colon > 0 ? value.substring(0, colon) : value);
        if (n != null && n.getOp().equals("Const")) {
            var s = n.getAttrMap().get("value").getTensor().getTensorShape();
            return s.getDimCount() == 0 ? 1 : (int) s.getDim(0).getSize();
        }
        if (n != null && n.getOp().equals("Pack")) {
            return (int) n.getInputList().stream().filter(x -> !x.startsWith("^")).count();
        }
        if (n != null && n.getOp().equals("Shape")) {
            return in(n, 0, depth);
        }
        throw new IllegalArgumentException("rank of '" + asked + "' is not derivable: the length of '" + value
                + "' is not known before shapes are");
    }
}
