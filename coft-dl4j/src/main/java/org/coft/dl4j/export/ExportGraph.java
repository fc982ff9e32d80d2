package org.coft.dl4j.export;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;

/**
 * The ONNX graph an export assembles: nodes in topological order (towers first, then heads) and initializers by
 * name. {@link #build} keeps only what the graph outputs need (dead nodes and unused initializers are dropped).
 */
final class ExportGraph {
    private final List<Onnx.NodeProto> nodes = new ArrayList<>();
    private final Map<String, Onnx.TensorProto> initializers = new LinkedHashMap<>();

    void add(Onnx.NodeProto n) {
        nodes.add(n);
    }

    void addAll(List<Onnx.NodeProto> ns) {
        nodes.addAll(ns);
    }

    /** Adds an initializer; one of the same name added before is replaced. */
    void initializer(Onnx.TensorProto t) {
        initializers.put(t.getName(), t);
    }

    /** Adds an initializer unless one of that name is already there (a member's own value wins over the base's). */
    void sharedInitializer(Onnx.TensorProto t) {
        initializers.putIfAbsent(t.getName(), t);
    }

    /** Whether a value of that name is an initializer or a node output already. */
    boolean defines(String name) {
        if (initializers.containsKey(name)) {
            return true;
        }
        for (Onnx.NodeProto n : nodes) {
            if (n.getOutputList().contains(name)) {
                return true;
            }
        }
        return false;
    }

    /** Names every node reads, including those read from inside its sub-graphs (If/Loop bodies). */
    static Set<String> reads(Onnx.NodeProto n) {
        Set<String> out = new HashSet<>(n.getInputList());
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            List<Onnx.GraphProto> graphs = new ArrayList<>(a.getGraphsList());
            if (a.hasG()) {
                graphs.add(a.getG());
            }
            for (Onnx.GraphProto g : graphs) {
                for (Onnx.NodeProto inner : g.getNodeList()) {
                    out.addAll(reads(inner));
                }
            }
        }
        out.remove("");
        return out;
    }

    /**
     * The graph with the given inputs and outputs, dead code removed.
     *
     * @throws IllegalStateException naming an output that no node or initializer produces
     */
    Onnx.GraphProto build(String name, List<Onnx.ValueInfoProto> inputs, List<Onnx.ValueInfoProto> outputs) {
        Set<String> needed = new HashSet<>();
        outputs.forEach(o -> needed.add(o.getName()));
        List<Onnx.NodeProto> kept = new ArrayList<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Onnx.NodeProto n = nodes.get(i);
            if (n.getOutputList().stream().anyMatch(needed::contains)) {
                kept.add(0, n);
                needed.addAll(reads(n));
            }
        }
        Set<String> defined = new HashSet<>();
        inputs.forEach(in -> defined.add(in.getName()));
        kept.forEach(n -> defined.addAll(n.getOutputList()));
        Onnx.GraphProto.Builder g = Onnx.GraphProto.newBuilder().setName(name).addAllInput(inputs).addAllNode(kept)
                .addAllOutput(outputs);
        for (Onnx.TensorProto t : initializers.values()) {
            if (needed.contains(t.getName())) {
                g.addInitializer(t);
                defined.add(t.getName());
            }
        }
        for (Onnx.ValueInfoProto o : outputs) {
            if (!defined.contains(o.getName())) {
                throw new IllegalStateException("export graph output '" + o.getName() + "' is not produced");
            }
        }
        return g.build();
    }
}
