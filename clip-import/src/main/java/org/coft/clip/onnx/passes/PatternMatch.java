package org.coft.clip.onnx.passes;

import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Small helpers the fusion passes share for walking producer/consumer links. */
final class PatternMatch {
    private final IrGraph graph;
    private final Map<String, IrNode> producers;
    private final Map<String, List<IrNode>> consumers;

    PatternMatch(IrGraph graph) {
        this.graph = graph;
        this.producers = graph.producers();
        this.consumers = graph.consumers();
    }

    /** The node producing {@code value} if it has op type {@code op}, else null. */
    IrNode producer(String value, String op) {
        IrNode n = producers.get(value);
        return n != null && n.opType().equals(op) && n.domain().isEmpty() ? n : null;
    }

    /** True when {@code value} is read by exactly {@code count} nodes and is not a graph output. */
    boolean usedOnlyBy(String value, int count) {
        List<IrNode> c = consumers.get(value);
        return c != null && c.size() == count && !graph.outputs().contains(value);
    }

    /** Scalar value of a constant (or single-element constant), or NaN. */
    double scalar(String value) {
        INDArray c = graph.constant(value);
        return c != null && c.length() == 1 ? c.getDouble(0) : Double.NaN;
    }

    /** Axes from a node's {@code axes} attribute (older opsets) or its constant input 1 (newer), or null. */
    static long[] constantAxes(IrGraph g, IrNode n) {
        long[] axes = n.intsAttr("axes");
        if (axes == null && n.hasInput(1) && g.isConstant(n.input(1))) {
            axes = g.constant(n.input(1)).toLongVector();
        }
        return axes;
    }

    /** Whether a reduction keeps its dims and reduces only the last axis of its input. */
    static boolean reducesLastAxis(IrGraph g, IrNode reduce) {
        long[] axes = constantAxes(g, reduce);
        var t = g.type(reduce.input(0));
        return axes != null && axes.length == 1 && t != null && (axes[0] == -1 || axes[0] == t.rank() - 1)
                && reduce.intAttr("keepdims", 1) == 1;
    }

    /** The input of a binary node that is not {@code known}, or null if neither is. */
    static String other(IrNode n, String known) {
        if (n.input(0).equals(known)) {
            return n.input(1);
        }
        if (n.input(1).equals(known)) {
            return n.input(0);
        }
        return null;
    }

    /** Replaces the nodes {@code remove} by {@code fused}, placed where the last removed node was. */
    static void replace(IrGraph graph, List<IrNode> remove, IrNode fused) {
        int at = -1;
        for (IrNode r : remove) {
            at = Math.max(at, graph.nodes().indexOf(r));
        }
        graph.nodes().add(at + 1, fused);
        graph.nodes().removeAll(remove);
    }
}
