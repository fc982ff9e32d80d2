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
 * (Hugging Face's CLIP text tower pools the end-of-text token this way), {@code Gather(x, constant scalar, axis =
 * 1)} (its image tower's class token) or {@code Squeeze(Slice(x, [k], [k + 1], axes [1]), [1])} (the same in a
 * TensorFlow graph) — the position-wise ops before it (layer norms, linear layers, activations,
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
        Map<String, IrNode> producers = g.producers();
        Map<String, List<IrNode>> consumers = g.consumers();
        for (IrNode last : new ArrayList<>(g.nodes())) {
            // the maps are built once per rewrite, not per node (graphs of 10⁵ nodes import in linear time)
            if ((last.opType().equals("Gather") || last.opType().equals("Squeeze")) && g.nodes().contains(last)
                    && sink(g, last, producers, consumers)) {
                count++;
                producers = g.producers();
                consumers = g.consumers();
            }
        }
        if (count > 0) {
            g.sortTopologically();
        }
        return count;
    }

    private static boolean sink(IrGraph g, IrNode last, Map<String, IrNode> producers,
                                Map<String, List<IrNode>> consumers) {
        if (!last.domain().isEmpty() || last.outputs().size() != 1 || g.outputs().contains(last.output(0))) {
            return false;
        }
        IrNode first = selectionStart(g, last, producers);
        if (first == null || first != last && (g.outputs().contains(first.output(0))
                || !only(consumers, first.output(0), Set.of(last)))) {
            return false;
        }
        List<IrNode> selection = first == last ? List.of(last) : List.of(first, last);
        String seq = first.input(0);
        TensorType st = g.type(seq);
        if (st == null || st.rank() != 3 || g.isConstant(seq) || g.outputs().contains(seq)
                || !only(consumers, seq, Set.of(first))) {
            return false;
        }
        List<Dim> lead = st.shape().subList(0, 2);
        // the narrowed ops: grown backwards from the sequence while a value is read only by them
        Set<IrNode> narrowed = new LinkedHashSet<>();
        IrNode tail = producers.get(seq);
        if (tail == null || !positionWise(g, tail)) {
            return false;
        }
        narrowed.add(tail);
        Deque<IrNode> todo = new ArrayDeque<>(List.of(tail));
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
            String in = v;
            for (IrNode n : selection) { // the same selection, reading v
                String out = v + "/pooled_rows" + (n == last ? "" : "_" + n.opType());
                List<String> ins = new ArrayList<>(n.inputs());
                ins.set(0, in);
                added.add(new IrNode(out, n.opType(), n.domain(), ins, List.of(out), n.attrs()));
                in = out;
            }
            selected.put(v, in);
        }
        for (IrNode n : narrowed) {
            n.inputs().replaceAll(in -> selected.getOrDefault(in, in));
            lastAxis(g, n);
            for (String o : n.outputs()) {
                g.types().remove(o);
            }
        }
        String pooled = last.output(0);
        for (IrNode c : consumers.getOrDefault(pooled, List.of())) {
            c.inputs().replaceAll(in -> in.equals(pooled) ? seq : in);
        }
        for (IrNode n : selection) {
            g.nodes().remove(n);
            g.types().remove(n.output(0));
        }
        g.nodes().addAll(added); // placed by the topological sort
        return true;
    }

    /**
     * The node that reads the sequence, when {@code last} ends a selection of one row per sequence from a [B, L, D]
     * value: {@code Gather(Flatten(x, 2), indices [B], axis 0)} (returns the Flatten), {@code Gather(x, constant
     * scalar, axis 1)} (returns it) or {@code Squeeze(Slice(x, [k], [k + 1], axes [1]), axes [1])} (returns the Slice);
     * else null.
     */
    private static IrNode selectionStart(IrGraph g, IrNode last, Map<String, IrNode> producers) {
        switch (last.opType()) {
            case "Gather": {
                TensorType it = g.type(last.input(1));
                long axis = last.intAttr("axis", 0);
                if (it != null && axis == 0 && it.rank() == 1 && !g.isConstant(last.input(1))) {
                    IrNode f = producers.get(last.input(0));
                    return f != null && f.opType().equals("Flatten") && f.domain().isEmpty()
                            && f.intAttr("axis", 1) == 2 ? f : null;
                }
                return it != null && axis == 1 && it.rank() == 0 && g.isConstant(last.input(1)) ? last : null;
            }
            case "Squeeze": {
                long[] axes = PatternMatch.constantAxes(g, last);
                IrNode slice = producers.get(last.input(0));
                if (axes == null || axes.length != 1 || axes[0] != 1 || slice == null
                        || !slice.opType().equals("Slice") || !slice.domain().isEmpty() || slice.inputs().size() < 4) {
                    return null;
                }
                for (int i = 1; i < slice.inputs().size(); i++) {
                    if (slice.hasInput(i) && !g.isConstant(slice.input(i))) {
                        return null;
                    }
                }
                long[] starts = g.constant(slice.input(1)).toLongVector();
                long[] ends = g.constant(slice.input(2)).toLongVector();
                long[] sliceAxes = g.constant(slice.input(3)).toLongVector();
                long[] steps = slice.hasInput(4) ? g.constant(slice.input(4)).toLongVector() : new long[] {1};
                return starts.length == 1 && ends.length == 1 && sliceAxes.length == 1 && sliceAxes[0] == 1
                        && steps.length == 1 && steps[0] == 1 && starts[0] >= 0 && ends[0] == starts[0] + 1
                        ? slice : null;
            }
            default:
                return null;
        }
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
                return (axis == -1 || axis == 2) && constantRank1(g, n.input(1))
                        && (!n.hasInput(2) || constantRank1(g, n.input(2)));
            }
            case "ReduceMean":
            case "ReduceSum":
                return PatternMatch.reducesLastAxis(g, n);
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
