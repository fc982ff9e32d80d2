package org.coft.clip.onnx.ir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The intermediate graph between parsing an ONNX model and emitting SameDiff: nodes in topological order,
 * what is known about every value (its type, a constant, or a symbolic integer value), and where each
 * symbolic dimension comes from. Rewrite passes mutate it; it holds no SameDiff state.
 */
public final class IrGraph {
    /** Where a symbolic dimension can be read at run time: a graph input and an axis. */
    public record SymbolSource(String input, int axis) { }

    private final String source;
    private final Map<String, Long> opsets;
    private final List<IrNode> nodes = new ArrayList<>();
    private final LinkedHashMap<String, TensorType> inputs = new LinkedHashMap<>();
    private final List<String> outputs = new ArrayList<>();
    private final Map<String, TensorType> types = new HashMap<>();
    private final Map<String, INDArray> constants = new LinkedHashMap<>();
    private final Map<String, SymInts> symbolic = new HashMap<>();
    private final Set<String> initializers = new HashSet<>();
    private final Map<String, SymbolSource> symbolSources = new LinkedHashMap<>();
    private final Map<String, String> weightOrigins = new HashMap<>();

    public IrGraph(String source, Map<String, Long> opsets) {
        this.source = source;
        this.opsets = Map.copyOf(opsets);
    }

    /** File or description the graph came from, for messages. */
    public String source() {
        return source;
    }

    /** Opset version per domain ("" = ai.onnx). */
    public long opset(String domain) {
        Long v = opsets.get(domain.isEmpty() || domain.equals("ai.onnx") ? "" : domain);
        return v == null ? -1 : v;
    }

    public Map<String, Long> opsets() {
        return opsets;
    }

    public List<IrNode> nodes() {
        return nodes;
    }

    public LinkedHashMap<String, TensorType> inputs() {
        return inputs;
    }

    public List<String> outputs() {
        return outputs;
    }

    public Map<String, TensorType> types() {
        return types;
    }

    public TensorType type(String value) {
        return types.get(value);
    }

    public Map<String, INDArray> constants() {
        return constants;
    }

    public INDArray constant(String value) {
        return constants.get(value);
    }

    public boolean isConstant(String value) {
        return constants.containsKey(value);
    }

    public Map<String, SymInts> symbolic() {
        return symbolic;
    }

    /** Names of constants that came from the model's initializers (weights). */
    public Set<String> initializers() {
        return initializers;
    }

    /** Weights derived at import from an initializer by a layout op (transpose, row pick) → that initializer. */
    public Map<String, String> weightOrigins() {
        return weightOrigins;
    }

    public Map<String, SymbolSource> symbolSources() {
        return symbolSources;
    }

    /**
     * An independent copy for another rewrite: nodes, maps and lists are new; constant arrays are shared (passes
     * never modify a constant array in place).
     */
    public IrGraph copy() {
        IrGraph c = new IrGraph(source, opsets);
        for (IrNode n : nodes) {
            c.nodes.add(n.copy());
        }
        c.inputs.putAll(inputs);
        c.outputs.addAll(outputs);
        c.types.putAll(types);
        c.constants.putAll(constants);
        c.symbolic.putAll(symbolic);
        c.initializers.addAll(initializers);
        c.symbolSources.putAll(symbolSources);
        c.weightOrigins.putAll(weightOrigins);
        return c;
    }

    /** Nodes consuming each value. */
    public Map<String, List<IrNode>> consumers() {
        Map<String, List<IrNode>> out = new HashMap<>();
        for (IrNode n : nodes) {
            for (String in : n.inputs()) {
                if (!in.isEmpty()) {
                    out.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
                }
            }
        }
        return out;
    }

    /** The node producing each value. */
    public Map<String, IrNode> producers() {
        Map<String, IrNode> out = new HashMap<>();
        for (IrNode n : nodes) {
            for (String o : n.outputs()) {
                out.put(o, n);
            }
        }
        return out;
    }

    /** Op type → count over the current nodes. */
    public Map<String, Integer> opCounts() {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (IrNode n : nodes) {
            counts.merge(n.opType(), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * Orders the nodes so that each comes after the producers of its inputs, keeping their order otherwise (passes and
     * import hooks may add a node anywhere; emission reads the nodes in order).
     *
     * @throws IllegalStateException naming a node on a cycle
     */
    public void sortTopologically() {
        Map<String, IrNode> producers = producers();
        List<IrNode> out = new ArrayList<>(nodes.size());
        Set<IrNode> placed = new HashSet<>();
        Set<IrNode> onPath = new HashSet<>();
        java.util.ArrayDeque<IrNode> path = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<Integer> next = new java.util.ArrayDeque<>(); // per path node: its next input to visit
        for (IrNode root : nodes) {
            if (placed.contains(root)) {
                continue;
            }
            path.push(root);
            next.push(0);
            onPath.add(root);
            while (!path.isEmpty()) {
                IrNode n = path.peek();
                int i = next.pop();
                if (i < n.inputs().size()) {
                    next.push(i + 1);
                    String in = n.inputs().get(i);
                    IrNode p = in.isEmpty() ? null : producers.get(in);
                    if (p != null && !placed.contains(p)) {
                        if (!onPath.add(p)) {
                            throw new IllegalStateException("the graph has a cycle through " + p.describe());
                        }
                        path.push(p);
                        next.push(0);
                    }
                } else {
                    path.pop();
                    onPath.remove(n);
                    placed.add(n);
                    out.add(n);
                }
            }
        }
        nodes.clear();
        nodes.addAll(out);
    }
}
