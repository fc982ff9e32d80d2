package org.coft.clip.tf;

import static org.coft.clip.tf.TfNodeContext.attrs;
import static org.coft.clip.tf.TfNodeContext.list;

import java.util.Map;
import org.coft.clip.onnx.parse.OnnxTensors;

/** Element-wise TF ops: arithmetic, comparisons, selection, casts and activations. */
final class ElementwiseConverters {
    private ElementwiseConverters() {
    }

    static void register(TfOpRegistry r) {
        Map<String, String> binary = Map.ofEntries(Map.entry("Add", "Add"), Map.entry("AddV2", "Add"),
                Map.entry("Sub", "Sub"), Map.entry("Mul", "Mul"), Map.entry("RealDiv", "Div"),
                Map.entry("Pow", "Pow"), Map.entry("Maximum", "Max"), Map.entry("Minimum", "Min"),
                Map.entry("Greater", "Greater"), Map.entry("GreaterEqual", "GreaterOrEqual"),
                Map.entry("Less", "Less"), Map.entry("LessEqual", "LessOrEqual"), Map.entry("Equal", "Equal"),
                Map.entry("LogicalAnd", "And"), Map.entry("LogicalOr", "Or"));
        binary.forEach((tf, onnx) -> r.add(tf, c -> c.emit(onnx, list(c.in(0), c.in(1)), Map.of())));
        // TF Div floors on integers, ONNX Div truncates: they agree unless a side is negative, so a negative
        // integer constant is refused (graphs use integer Div for non-negative shape arithmetic)
        r.add("Div", c -> {
            for (int i = 0; i < 2; i++) {
                var k = c.constant(i);
                if (k != null && k.dataType().isIntType() && k.length() > 0 && k.minNumber().doubleValue() < 0) {
                    throw new IllegalArgumentException("integer Div with a negative operand floors in TF and "
                            + "truncates in ONNX; not supported");
                }
            }
            c.emit("Div", list(c.in(0), c.in(1)), Map.of());
        });
        r.add("NotEqual", c -> c.emit("Not", list(c.helper("equal", "Equal", list(c.in(0), c.in(1)), Map.of())),
                Map.of()));
        Map<String, String> unary = Map.ofEntries(Map.entry("Neg", "Neg"), Map.entry("Abs", "Abs"),
                Map.entry("Exp", "Exp"), Map.entry("Log", "Log"), Map.entry("Sqrt", "Sqrt"),
                Map.entry("Sigmoid", "Sigmoid"), Map.entry("Tanh", "Tanh"), Map.entry("Erf", "Erf"),
                Map.entry("Relu", "Relu"), Map.entry("Reciprocal", "Reciprocal"), Map.entry("Floor", "Floor"),
                Map.entry("Ceil", "Ceil"), Map.entry("LogicalNot", "Not"), Map.entry("Identity", "Identity"),
                Map.entry("StopGradient", "Identity"), Map.entry("Snapshot", "Identity"),
                Map.entry("PreventGradient", "Identity"), Map.entry("ReadVariableOp", "Identity"));
        unary.forEach((tf, onnx) -> r.add(tf, c -> c.emit(onnx, list(c.in(0)), Map.of())));
        r.add("Rsqrt", c -> c.emit("Reciprocal", list(c.helper("sqrt", "Sqrt", list(c.in(0)), Map.of())), Map.of()));
        r.add("Square", c -> c.emit("Mul", list(c.in(0), c.in(0)), Map.of()));
        r.add("SquaredDifference", c -> {
            String d = c.helper("diff", "Sub", list(c.in(0), c.in(1)), Map.of());
            c.emit("Mul", list(d, d), Map.of());
        });
        r.add("BiasAdd", c -> {
            if (!c.stringAttr("data_format", "NHWC").equals("NHWC")) {
                throw new IllegalArgumentException("BiasAdd with data_format " + c.stringAttr("data_format", "")
                        + " (only NHWC, bias on the last axis)");
            }
            c.emit("Add", list(c.in(0), c.in(1)), Map.of());
        });
        r.add("SelectV2", c -> c.emit("Where", list(c.in(0), c.in(1), c.in(2)), Map.of()));
        r.add("Select", c -> {
            // v1 Select with a vector condition picks whole rows: only the same-rank (element-wise) form is ONNX Where
            if (c.rank(0) != c.rank(1)) {
                throw new IllegalArgumentException("Select with a rank-" + c.rank(0) + " condition on rank-" + c.rank(1)
                        + " values (row selection) is not supported; SelectV2 / same-shape Select are");
            }
            c.emit("Where", list(c.in(0), c.in(1), c.in(2)), Map.of());
        });
        r.add("Cast", c -> c.emit("Cast", list(c.in(0)),
                attrs("to", (long) OnnxTensors.onnxType(TfNodeContext.nd4j(c.typeAttr("DstT"))))));
        r.add("Softmax", c -> c.emit("Softmax", list(c.in(0)), attrs("axis", -1L)));
    }
}
