package org.coft.clip.onnx.ops;

import java.util.ArrayList;
import java.util.List;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.SymInts;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What a converter may know about a node at import time: attributes, input types and known input values. */
public class OpContext {
    private final IrGraph graph;
    private final IrNode node;

    public OpContext(IrGraph graph, IrNode node) {
        this.graph = graph;
        this.node = node;
    }

    public IrNode node() {
        return node;
    }

    public IrGraph graph() {
        return graph;
    }

    public long opset() {
        return graph.opset(node.domain());
    }

    public int inputCount() {
        return node.inputs().size();
    }

    public boolean has(int i) {
        return node.hasInput(i);
    }

    public TensorType type(int i) {
        if (i >= node.inputs().size() || node.input(i).isEmpty()) {
            throw new IllegalArgumentException(node.opType() + " needs input " + i + "; the node has "
                    + node.inputs().size() + " input(s) " + node.inputs());
        }
        TensorType t = graph.type(node.input(i));
        if (t == null) {
            throw new UnsupportedOpException("type of input " + i + " ('" + node.input(i) + "') is unknown");
        }
        return t;
    }

    public int rank(int i) {
        return type(i).rank();
    }

    /** Constant value of input i, or null. */
    public INDArray constant(int i) {
        return has(i) ? graph.constant(node.input(i)) : null;
    }

    /** Import-time integer value of input i (constant or symbolic), or null. */
    public SymInts ints(int i) {
        if (!has(i)) {
            return null;
        }
        SymInts s = graph.symbolic().get(node.input(i));
        if (s != null) {
            return s;
        }
        INDArray c = graph.constant(node.input(i));
        if (c == null || !c.dataType().isIntType() && c.dataType() != DataType.BOOL || c.rank() > 1 || c.length() > 64) {
            return null;
        }
        long[] v = c.dataType() == DataType.BOOL ? c.castTo(DataType.LONG).toLongVector() : c.reshape(c.length()).toLongVector();
        List<Dim> dims = new ArrayList<>();
        for (long x : v) {
            dims.add(Dim.of(x));
        }
        return new SymInts(c.shape(), dims);
    }

    /** Constant integer vector input, required (e.g. axes given as an input since opset 13). */
    public long[] requireInts(int i, String what) {
        SymInts s = ints(i);
        if (s == null || !s.isFullyKnown()) {
            throw new UnsupportedOpException(what + " (input " + i + ") must be a constant known at import time");
        }
        return s.knownValues();
    }

    /** Axes from the {@code axes} attribute (older opsets) or input i (newer), or null when absent. */
    public long[] axes(int inputIndex) {
        long[] a = node.intsAttr("axes");
        if (a != null) {
            return a;
        }
        return has(inputIndex) ? requireInts(inputIndex, "axes") : null;
    }

    public static int normAxis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.max(rank, 1)) {
            throw new UnsupportedOpException("axis " + axis + " out of range for rank " + rank);
        }
        return (int) a;
    }

    public static int[] normAxes(long[] axes, int rank) {
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = normAxis(axes[i], rank);
        }
        java.util.Arrays.sort(out);
        return out;
    }
}
