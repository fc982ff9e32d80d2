package org.coft.clip.onnx.parse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.coft.clip.onnx.OnnxImportException;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;

/**
 * Structural checks of a parsed graph, before any rewrite or native code sees it: the default domain's opset is in
 * the range the converters implement, the graph has outputs and each is defined, every value is defined once, and
 * every node reads only values defined before it (ONNX requires topological order). All problems are reported at
 * once.
 */
public final class GraphValidator {
    /** Oldest default-domain opset accepted. */
    public static final long MIN_OPSET = 1;
    /**
     * Newest default-domain opset accepted: the newest whose operator semantics the converters implement and the
     * parity tests cover (reductions' axes inputs at 18, AveragePool dilations at 19); a newer export may change an
     * operator's meaning, so it is refused with a message instead of being imported silently wrong.
     */
    public static final long MAX_OPSET = 19;

    private GraphValidator() {
    }

    /** Throws one {@link OnnxImportException} listing every structural problem of {@code g}. */
    public static void validate(IrGraph g) throws OnnxImportException {
        validate(g, Set.of());
    }

    /**
     * As {@link #validate(IrGraph)}, with {@code omitted} the names of initializers a structure-only parse left out
     * (they count as defined).
     */
    public static void validate(IrGraph g, Set<String> omitted) throws OnnxImportException {
        List<OnnxImportException.Problem> problems = new ArrayList<>();
        for (Map.Entry<String, Long> o : g.opsets().entrySet()) {
            long v = o.getValue();
            String domain = o.getKey().isEmpty() ? "ai.onnx" : o.getKey();
            if (o.getKey().isEmpty() && (v < MIN_OPSET || v > MAX_OPSET)) {
                problems.add(file("opset " + v + " of domain ai.onnx is outside the supported range " + MIN_OPSET + "–"
                        + MAX_OPSET + " (re-export the model with an opset_version from 14 to " + MAX_OPSET + ")"));
            } else if (v < 1) {
                problems.add(file("opset " + v + " of domain " + domain + " is not a valid version (must be ≥ 1)"));
            }
        }
        if (g.outputs().isEmpty()) {
            problems.add(file("the graph has no outputs"));
        }
        Map<String, String> definedBy = new HashMap<>();
        for (String in : g.inputs().keySet()) {
            definedBy.put(in, "graph input");
        }
        for (String c : omitted) {
            definedBy.put(c, "initializer");
        }
        // Constant nodes are values, not nodes, after parsing; they may come after their first reader in a file
        // written by hand, but exporters write them first. Treat them as defined up front, like initializers.
        for (String c : g.constants().keySet()) {
            definedBy.putIfAbsent(c, g.initializers().contains(c) ? "initializer" : "Constant node");
        }
        Set<String> seenOutputs = new HashSet<>();
        for (IrNode n : g.nodes()) {
            for (String in : n.inputs()) {
                if (!in.isEmpty() && !definedBy.containsKey(in)) {
                    problems.add(node(g, n, "input '" + in + "' is not defined before this node (an unknown value, or"
                            + " the nodes are not in topological order)"));
                }
            }
            for (String out : n.outputs()) {
                if (out.isEmpty()) {
                    continue;
                }
                String prior = definedBy.get(out);
                if (prior != null || !seenOutputs.add(out)) {
                    problems.add(node(g, n, "output '" + out + "' is already defined"
                            + (prior != null ? " (by " + prior + ")" : "") + "; every value must have one producer"));
                }
                definedBy.putIfAbsent(out, "node '" + n.name() + "'");
            }
        }
        for (String out : g.outputs()) {
            if (!definedBy.containsKey(out)) {
                problems.add(file("graph output '" + out + "' is not produced by any node, input or initializer"));
            }
        }
        if (!problems.isEmpty()) {
            throw new OnnxImportException(g.source(), problems);
        }
    }

    private static OnnxImportException.Problem file(String message) {
        return new OnnxImportException.Problem("", "", "", -1, message);
    }

    private static OnnxImportException.Problem node(IrGraph g, IrNode n, String message) {
        return new OnnxImportException.Problem(n.name(), n.opType(), n.domain(), g.opset(n.domain()), message);
    }
}
