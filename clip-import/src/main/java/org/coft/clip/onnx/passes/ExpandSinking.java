package org.coft.clip.onnx.passes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.TensorType;
import org.coft.clip.onnx.ops.ShapeMath;

/**
 * Removes an {@code Expand} whose result only passes through element-wise ops into broadcasting ops that would
 * broadcast the unexpanded value to the same shape anyway, so the element-wise ops run on the small tensor.
 *
 * <p>Hugging Face's CLIP text tower builds its attention mask as {@code Expand(mask[:, None, None, :], [B, 1, L, L])},
 * then {@code Cast}, {@code 1 − x}, {@code Cast} to bool and {@code Where(…, finfo.min, …)} on the expanded
 * [B, 1, L, L] tensor, and adds the result to every layer's attention scores [B, H, L, L]. Without the {@code Expand}
 * those ops touch B·L values instead of B·L² (libnd4j's {@code select} alone took 39 % of the micro-CLIP text tower's
 * forward at batch 32) and each {@code Add} broadcasts [B, 1, 1, L] over [B, H, L, L] to the same result.
 *
 * <p>Exact: an element-wise op computes each output element from the same position of its inputs, and an
 * {@code Expand} only repeats elements, so computing before or after the repetition gives the same values; the
 * rewrite is made only when every other input of the element-wise ops already fits the unexpanded shape (each of
 * its dims is 1 or equal), no intermediate value is a graph output, and every consumer outside the chain is a
 * broadcasting op whose output shape stays what it was. Types are inferred again afterwards by the caller.
 */
public final class ExpandSinking implements GraphPass {
    private static final Set<String> UNARY = Set.of("Cast", "Not", "Neg", "Abs", "Sqrt", "Exp", "Log",
            "Reciprocal", "Sigmoid", "Tanh", "Relu", "Identity", "Floor", "Ceil", "Sign");
    private static final Set<String> BINARY = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less",
            "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Max", "Min");

    @Override
    public String name() {
        return "expand sinking";
    }

    @Override
    public int apply(IrGraph g) {
        int count = 0;
        for (IrNode expand : new ArrayList<>(g.nodes())) {
            if (expand.opType().equals("Expand") && expand.domain().isEmpty() && sink(g, expand)) {
                count++;
            }
        }
        return count;
    }

    private static boolean elementwise(IrNode n) {
        return n.domain().isEmpty() && (UNARY.contains(n.opType()) || BINARY.contains(n.opType())
                || n.opType().equals("Where"));
    }

    private static boolean sink(IrGraph g, IrNode expand) {
        TensorType small = g.type(expand.input(0));
        TensorType big = g.type(expand.output(0));
        if (small == null || big == null || small.rank() != big.rank() || small.shape().equals(big.shape())) {
            return false;
        }
        List<Dim> shape = small.shape();
        Map<String, List<IrNode>> consumers = g.consumers();
        // the chain: every element-wise op reachable from the expanded value whose other inputs fit the small shape;
        // "other" depends on the whole chain (an op may read two chain values), so an op that does not fit is left
        // out and the chain found again
        Set<IrNode> excluded = new java.util.HashSet<>();
        Set<String> chain;
        Set<IrNode> chainNodes;
        List<IrNode> exits;
        while (true) {
            chain = new LinkedHashSet<>(List.of(expand.output(0)));
            chainNodes = new LinkedHashSet<>();
            exits = new ArrayList<>();
            Deque<String> todo = new ArrayDeque<>(chain);
            while (!todo.isEmpty()) {
                String v = todo.poll();
                for (IrNode c : consumers.getOrDefault(v, List.of())) {
                    if (chainNodes.contains(c) || exits.contains(c)) {
                        continue;
                    }
                    if (elementwise(c) && !excluded.contains(c)) {
                        chainNodes.add(c);
                        for (String o : c.outputs()) {
                            if (chain.add(o)) {
                                todo.add(o);
                            }
                        }
                    } else {
                        exits.add(c);
                    }
                }
            }
            IrNode misfit = null;
            for (IrNode c : chainNodes) {
                if (!othersFit(g, c, chain, shape)) {
                    misfit = c;
                    break;
                }
            }
            if (misfit == null) {
                break;
            }
            excluded.add(misfit);
        }
        for (String v : chain) {
            if (g.outputs().contains(v)) {
                return false;
            }
        }
        // an exit must broadcast the small chain values to the output shape it has now
        for (IrNode c : exits) {
            if (!elementwise(c)) {
                return false;
            }
            List<Dim> out = null;
            for (String in : c.inputs()) {
                if (in.isEmpty()) {
                    continue;
                }
                TensorType t = g.type(in);
                if (t == null) {
                    return false;
                }
                out = out == null ? (chain.contains(in) ? shape : t.shape()) : ShapeMath.broadcastExact(out,
                        chain.contains(in) ? shape : t.shape());
                if (out == null) {
                    return false;
                }
            }
            TensorType now = g.type(c.output(0));
            if (now == null || !now.shape().equals(out)) {
                return false;
            }
        }
        String from = expand.output(0);
        String to = expand.input(0);
        for (IrNode c : consumers.get(from)) {
            c.inputs().replaceAll(in -> in.equals(from) ? to : in);
        }
        g.nodes().remove(expand);
        g.types().remove(from);
        return true;
    }

    /** Whether every input of {@code n} outside the chain fits {@code shape} (rank ≤, each dim 1 or equal). */
    private static boolean othersFit(IrGraph g, IrNode n, Set<String> chain, List<Dim> shape) {
        for (String in : n.inputs()) {
            if (in.isEmpty() || chain.contains(in)) {
                continue;
            }
            TensorType t = g.type(in);
            if (t == null || !shape.equals(ShapeMath.broadcastExact(shape, t.shape()))) {
                return false;
            }
        }
        return true;
    }
}
