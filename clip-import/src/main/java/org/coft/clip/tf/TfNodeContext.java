package org.coft.clip.tf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ir.Attr;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.tensorflow.framework.AttrValue;
import org.tensorflow.framework.NodeDef;

/**
 * What a {@link TfOpConverter} sees of one TF node — its attributes, its data inputs as value names of the
 * intermediate graph, their constant values and ranks — and how it adds nodes and constants. Value names follow
 * TF's tensor names: output 0 of node {@code n} is {@code n}, output i is {@code n:i}.
 */
final class TfNodeContext {
    private final NodeDef node;
    private final List<String> inputs;
    private final IrGraph graph;
    private final TfRanks ranks;
    private int helpers;

    TfNodeContext(NodeDef node, List<String> inputs, IrGraph graph, TfRanks ranks) {
        this.node = node;
        this.inputs = inputs;
        this.graph = graph;
        this.ranks = ranks;
    }

    String name() {
        return node.getName();
    }

    String op() {
        return node.getOp();
    }

    int inputCount() {
        return inputs.size();
    }

    String in(int i) {
        if (i >= inputs.size()) {
            throw new IllegalArgumentException(node.getOp() + " needs input " + i + "; the node has " + inputs.size());
        }
        return inputs.get(i);
    }

    List<String> ins() {
        return inputs;
    }

    /** Value name of output i. */
    String out(int i) {
        return i == 0 ? node.getName() : node.getName() + ":" + i;
    }

    /** Constant value of input i, or null. */
    INDArray constant(int i) {
        return graph.constant(in(i));
    }

    /** Input i as integers known at import (a Const), or an error naming the input's role. */
    long[] ints(int i, String what) {
        INDArray c = constant(i);
        if (c == null || !c.dataType().isIntType()) {
            throw new IllegalArgumentException(what + " (input " + i + ", '" + in(i) + "') must be an integer constant");
        }
        return c.rank() == 0 ? new long[] {c.getLong(0)} : c.reshape(c.length()).toLongVector();
    }

    /** Rank of input i, from the TF graph (see {@link TfRanks}), or an error. */
    int rank(int i) {
        return ranks.rank(in(i));
    }

    boolean has(String attr) {
        return node.containsAttr(attr);
    }

    long intAttr(String key, long dflt) {
        AttrValue a = node.getAttrMap().get(key);
        return a == null ? dflt : a.getI();
    }

    boolean boolAttr(String key, boolean dflt) {
        AttrValue a = node.getAttrMap().get(key);
        return a == null ? dflt : a.getB();
    }

    String stringAttr(String key, String dflt) {
        AttrValue a = node.getAttrMap().get(key);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    long[] intsAttr(String key) {
        AttrValue a = node.getAttrMap().get(key);
        return a == null ? null : a.getList().getIList().stream().mapToLong(Long::longValue).toArray();
    }

    org.tensorflow.framework.DataType typeAttr(String key) {
        AttrValue a = node.getAttrMap().get(key);
        return a == null ? null : a.getType();
    }

    /** Adds a helper node with one output named after this node and {@code role}; returns that value name. */
    String helper(String role, String op, List<String> in, Map<String, Attr> attrs) {
        String name = node.getName() + "/_" + role + (helpers++ == 0 ? "" : "_" + helpers);
        graph.nodes().add(new IrNode(name, op, "", in, List.of(name), attrs));
        return name;
    }

    /** Adds the node producing this TF node's output 0. */
    void emit(String op, List<String> in, Map<String, Attr> attrs) {
        graph.nodes().add(new IrNode(node.getName(), op, "", in, List.of(out(0)), attrs));
    }

    /** Adds a constant named after this node and {@code role}; returns its value name. */
    String constant(String role, INDArray value) {
        String name = node.getName() + "/_" + role;
        graph.constants().put(name, value);
        graph.types().put(name, TensorType.of(value.dataType(), value.shape()));
        return name;
    }

    String longs(String role, long... v) {
        return constant(role, Nd4j.createFromArray(v));
    }

    String scalarLong(String role, long v) {
        return constant(role, Nd4j.scalar(v));
    }

    /** Marks a constant this converter derived from a weight (e.g. a re-laid filter) as that weight. */
    void markWeight(String derived, String origin) {
        if (graph.initializers().contains(origin)) {
            graph.initializers().add(derived);
            graph.weightOrigins().put(derived, graph.weightOrigins().getOrDefault(origin, origin));
        }
    }

    static Map<String, Attr> attrs(Object... kv) {
        Map<String, Attr> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            m.put((String) kv[i], v instanceof Attr a ? a : v instanceof long[] l ? Attr.ofInts(l)
                    : v instanceof String s ? Attr.ofString(s) : v instanceof Double d ? Attr.ofFloat(d)
                    : Attr.ofInt(((Number) v).longValue()));
        }
        return m;
    }

    static List<String> list(String... v) {
        return new ArrayList<>(List.of(v));
    }

    static DataType nd4j(org.tensorflow.framework.DataType t) {
        DataType d = TfTensors.graphType(t);
        if (d == null) {
            throw new IllegalArgumentException("dtype " + t + " is not supported");
        }
        return d;
    }
}
