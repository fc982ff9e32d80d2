package org.coft.clip.onnx.passes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.coft.clip.onnx.ir.Attr;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Computes the position-wise tail of a sequence model for the pooled positions only: where a [B, L, D] sequence is
 * read only through a selection of one row per sequence — {@code Gather(Flatten(x, axis = 2), indices, axis = 0)}
 * (Hugging Face's CLIP text tower pools the end-of-text token this way) or {@code Gather(x, constant scalar, axis =
 * 1)} (its image tower's class token) — the position-wise ops before it (layer norms, linear layers, activations,
 * residual adds) run on the B selected rows instead of all B·L, and the selection moves up to where the sequence is
 * still needed whole (the last attention's output and the residual stream entering the last layer).
 *
 * <p>For CLIP this is the last layer's attention output projection, residual adds, second layer norm, MLP and (text)
 * the final layer norm: they run on 1 row of 77 (text) or of 50 (ViT-B/32 image), about 6 % of a forward.
 *
 * <p>Exact: each of these ops computes an output row from the same row of its inputs (and constants that broadcast
 * over the last axis only), so selecting rows before or after gives the same values. The rewrite is made only when
 * every value it narrows is read by nothing else (no graph output, no other consumer), every op is one of the
 * position-wise ops below with its reductions and normalisations over the last axis, and every value the selection
 * moves to has the sequence's [B, L] leading dims. Types are inferred again afterwards by the caller.
 */
public final class PooledRowSinking implements GraphPass {
    private static final Set<String> UNARY = Set.of("Cast", "Neg", "Abs", "Sqrt", "Exp", "Log", "Reciprocal",
            "Sigmoid", "Tanh", "Relu", "Identity", "Erf", "Softplus");
    private static final Set<String> BINARY = Set.of("Add", "Sub", "Mul", "Div", "Pow");

    @Override
    public String name() {
        return "pooled-row sinking";
    }

    @Override
    public int apply(IrGraph g) {
        int count = 0;
        for (IrNode gather : new ArrayList<>(g.nodes())) {
            if (g.nodes().contains(gather) && sink(g, gather)) {
                count++;
            }
        }
        if (count > 0) {
            g.sortTopologically();
        }
        return count;
    }

    private static boolean sink(IrGraph g, IrNode gather) {
        if (!gather.opType().equals("Gather") || !gather.domain().isEmpty()) {
            return false;
        }
        Map<String, IrNode> producers = g.producers();
        Map<String, List<IrNode>> consumers = g.consumers();
        String indices = gather.input(1);
        TensorType it = g.type(indices);
        if (it == null || g.outputs().contains(gather.output(0))) {
            return false;
        }
        // the selection: one row per sequence, either by flat row index (the text tower's end-of-text token) or by a
        // fixed position (the image tower's class token)
        IrNode flatten = null;
        String seq;
        long axis = gather.intAttr("axis", 0);
        if (axis == 0 && it.rank() == 1 && !g.isConstant(indices)) {
            flatten = producers.get(gather.input(0));
            if (flatten == null || !flatten.opType().equals("Flatten") || !flatten.domain().isEmpty()
                    || flatten.intAttr("axis", 1) != 2 || g.outputs().contains(flatten.output(0))
                    || !only(consumers, flatten.output(0), Set.of(gather))) {
                return false;
            }
            seq = flatten.input(0);
        } else if (axis == 1 && it.rank() == 0 && g.isConstant(indices)) {
            seq = gather.input(0);
        } else {
            return false;
        }
        TensorType st = g.type(seq);
        if (st == null || st.rank() != 3 || g.isConstant(seq) || g.outputs().contains(seq)
                || !only(consumers, seq, Set.of(flatten != null ? flatten : gather))) {
            return false;
        }
        List<Dim> lead = st.shape().subList(0, 2);
        // the narrowed ops: grown backwards from the sequence while a value is read only by them
        Set<IrNode> narrowed = new LinkedHashSet<>();
        IrNode first = producers.get(seq);
        if (first == null || !positionWise(g, first)) {
            return false;
        }
        narrowed.add(first);
        Deque<IrNode> todo = new ArrayDeque<>(List.of(first));
        while (!todo.isEmpty()) {
            IrNode n = todo.poll();
            for (String in : n.inputs()) {
                if (in.isEmpty() || g.isConstant(in) || g.outputs().contains(in)) {
                    continue;
                }
                IrNode p = producers.get(in);
                if (p != null && !narrowed.contains(p) && only(consumers, in, narrowed) && positionWise(g, p)
                        && sequenceLike(g, in, lead)) {
                    narrowed.add(p);
                    todo.add(p);
                }
            }
        }
        // where the selection moves to: the narrowed ops' inputs made outside them
        Set<String> made = new HashSet<>();
        for (IrNode n : narrowed) {
            made.addAll(n.outputs());
        }
        Set<String> frontier = new LinkedHashSet<>();
        for (IrNode n : narrowed) {
            for (String in : n.inputs()) {
                if (!in.isEmpty() && !g.isConstant(in) && !made.contains(in)) {
                    if (!sequenceLike(g, in, lead)) {
                        return false;
                    }
                    frontier.add(in);
                }
            }
        }
        if (frontier.isEmpty()) {
            return false;
        }
        Map<String, String> selected = new HashMap<>();
        List<IrNode> added = new ArrayList<>();
        for (String v : frontier) {
            String rows = v + "/pooled_rows";
            if (flatten != null) {
                String flat = v + "/pooled_rows_flat";
                added.add(new IrNode(flat, "Flatten", "", List.of(v), List.of(flat), Map.of("axis", Attr.ofInt(2))));
                added.add(new IrNode(rows, "Gather", "", List.of(flat, indices), List.of(rows),
                        Map.of("axis", Attr.ofInt(0))));
            } else {
                added.add(new IrNode(rows, "Gather", "", List.of(v, indices), List.of(rows),
                        Map.of("axis", Attr.ofInt(1))));
            }
            selected.put(v, rows);
        }
        for (IrNode n : narrowed) {
            n.inputs().replaceAll(in -> selected.getOrDefault(in, in));
            lastAxis(g, n);
            for (String o : n.outputs()) {
                g.types().remove(o);
            }
        }
        String pooled = gather.output(0);
        for (IrNode c : consumers.getOrDefault(pooled, List.of())) {
            c.inputs().replaceAll(in -> in.equals(pooled) ? seq : in);
        }
        g.nodes().remove(gather);
        g.types().remove(pooled);
        if (flatten != null) {
            g.nodes().remove(flatten);
            g.types().remove(flatten.output(0));
        }
        g.nodes().addAll(added); // placed by the topological sort
        return true;
    }

    /** Whether every consumer of {@code value} is in {@code allowed} (and it has one). */
    private static boolean only(Map<String, List<IrNode>> consumers, String value, Set<IrNode> allowed) {
        List<IrNode> c = consumers.getOrDefault(value, List.of());
        return !c.isEmpty() && allowed.containsAll(c);
    }

    private static boolean sequenceLike(IrGraph g, String value, List<Dim> lead) {
        TensorType t = g.type(value);
        return t != null && t.rank() == 3 && t.shape().subList(0, 2).equals(lead);
    }

    /** Whether {@code n} computes each row from the same rows of its non-constant inputs (last-axis ops only). */
    private static boolean positionWise(IrGraph g, IrNode n) {
        if (!n.domain().isEmpty() || n.outputs().size() != 1) {
            return false;
        }
        String op = n.opType();
        if (UNARY.contains(op)) {
            return true;
        }
        if (BINARY.contains(op)) {
            for (String in : n.inputs()) {
                if (g.isConstant(in) && !broadcastsOverRows(g.constant(in))) {
                    return false;
                }
            }
            return true;
        }
        switch (op) {
            case "MatMul":
                return !g.isConstant(n.input(0)) && g.isConstant(n.input(1)) && g.constant(n.input(1)).rank() == 2;
            case "LayerNormalization": {
                long axis = n.intAttr("axis", -1);
                return (axis == -1 || axis == 2) && n.outputs().size() == 1 && constantRank1(g, n.input(1))
                        && (!n.hasInput(2) || constantRank1(g, n.input(2)));
            }
            case "ReduceMean":
            case "ReduceSum": {
                long[] axes = n.intsAttr("axes");
                if (axes == null && n.hasInput(1) && g.isConstant(n.input(1))) {
                    axes = g.constant(n.input(1)).toLongVector();
                }
                return axes != null && axes.length == 1 && (axes[0] == -1 || axes[0] == 2)
                        && n.intAttr("keepdims", 1) == 1;
            }
            default:
                return false;
        }
    }

    private static boolean constantRank1(IrGraph g, String v) {
        return g.isConstant(v) && g.constant(v).rank() <= 1;
    }

    /** A constant that broadcasts the same way against [B, D] as against [B, L, D]: a scalar or a [D] / [1, D] row. */
    private static boolean broadcastsOverRows(INDArray c) {
        return c.rank() <= 1 || c.rank() == 2 && c.size(0) == 1;
    }

    /** Rewrites a last-axis attribute or input given as 2 (of rank 3) to −1, which still means the last axis. */
    private static void lastAxis(IrGraph g, IrNode n) {
        if (n.opType().equals("LayerNormalization") && n.intAttr("axis", -1) == 2) {
            n.attrs().put("axis", Attr.ofInt(-1));
        }
        if (n.opType().startsWith("Reduce")) {
            if (n.intsAttr("axes") != null) {
                n.attrs().put("axes", Attr.ofInts(new long[] {-1}));
            } else if (n.hasInput(1)) {
                String axes = n.input(1) + "/last_axis";
                g.constants().put(axes, org.nd4j.linalg.factory.Nd4j.createFromArray(new long[] {-1}));
                g.types().put(axes, TensorType.of(org.nd4j.linalg.api.buffer.DataType.LONG, new long[] {1}));
                n.inputs().set(1, axes);
            }
        }
    }
}
