package org.coft.clip.onnx.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.coft.clip.onnx.OnnxImportException;
import org.coft.clip.onnx.emit.ConstantEvaluator;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.SymInts;
import org.coft.clip.onnx.ir.TensorType;
import org.coft.clip.onnx.ops.OpContext;
import org.coft.clip.onnx.ops.OpConverter;
import org.coft.clip.onnx.ops.OpRegistry;
import org.coft.clip.onnx.ops.UnsupportedOpException;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Walks the graph in order, infers every value's type (with symbolic batch dims), evaluates nodes whose
 * inputs are all constants, and evaluates shape arithmetic over the dynamic batch symbolically. Folded nodes
 * are removed. Collects every unsupported node instead of stopping at the first.
 */
public final class FoldAndInfer {
    /** Ops that only re-lay data: a weight passed through them is still a trainable weight. */
    private static final Set<String> LAYOUT_OPS = Set.of("Transpose", "Reshape", "Identity", "Unsqueeze", "Squeeze",
            "Flatten", "Gather", "Slice");

    private final OpRegistry registry;
    private int folded;

    public FoldAndInfer(OpRegistry registry) {
        this.registry = registry;
    }

    public int folded() {
        return folded;
    }

    public List<OnnxImportException.Problem> apply(IrGraph g) {
        List<OnnxImportException.Problem> problems = new ArrayList<>();
        java.util.ListIterator<IrNode> it = g.nodes().listIterator();
        while (it.hasNext()) {
            IrNode n = it.next();
            long opset = g.opset(n.domain());
            if (n.opType().equals("If") && n.domain().isEmpty() && g.isConstant(n.input(0))) {
                inlineBranch(g, n, it);
                folded++;
                continue;
            }
            OpConverter conv = registry.find(n.domain(), n.opType(), opset);
            if (conv == null) {
                long min = registry.minOpset(n.domain(), n.opType());
                problems.add(new OnnxImportException.Problem(n.name(), n.opType(), n.domain(), opset,
                        min < 0 ? "unsupported operator" : "supported from opset " + min + " only"));
                continue;
            }
            boolean inputsTyped = true;
            boolean allConst = true;
            for (String in : n.inputs()) {
                if (in.isEmpty()) {
                    continue;
                }
                inputsTyped &= g.type(in) != null;
                allConst &= g.isConstant(in);
            }
            if (!inputsTyped) {
                continue; // an earlier node failed; its problem is already recorded
            }
            OpContext ctx = new OpContext(g, n);
            try {
                if (allConst) {
                    // shapes first, in Java: libnd4j must never see a value whose result the converter cannot type
                    List<TensorType> expected = conv.infer(ctx);
                    checkFoldable(expected);
                    List<INDArray> values = ConstantEvaluator.evaluate(g, n, conv);
                    checkFolded(expected, values);
                    boolean weight = LAYOUT_OPS.contains(n.opType()) && g.initializers().contains(n.input(0));
                    for (int i = 0; i < values.size() && i < n.outputs().size(); i++) {
                        INDArray v = values.get(i);
                        g.constants().put(n.output(i), v);
                        g.types().put(n.output(i), TensorType.of(v.dataType(), v.shape()));
                        if (weight) {
                            g.initializers().add(n.output(i));
                            g.weightOrigins().put(n.output(i), g.weightOrigins().getOrDefault(n.input(0), n.input(0)));
                        }
                    }
                    it.remove();
                    folded++;
                    continue;
                }
                List<TensorType> types = conv.infer(ctx);
                for (int i = 0; i < types.size() && i < n.outputs().size(); i++) {
                    g.types().put(n.output(i), types.get(i));
                }
                {
                    List<SymInts> sym = conv.foldSymbolic(ctx);
                    if (sym != null) {
                        for (int i = 0; i < sym.size(); i++) {
                            SymInts s = sym.get(i);
                            if (s.isFullyKnown()) {
                                long[] v = s.knownValues();
                                INDArray a = org.nd4j.linalg.factory.Nd4j.createFromArray(v).reshape(s.shape());
                                g.constants().put(n.output(i), a);
                                g.types().put(n.output(i), TensorType.of(a.dataType(), a.shape()));
                            } else {
                                g.symbolic().put(n.output(i), s);
                            }
                        }
                        it.remove();
                        folded++;
                    }
                }
            } catch (UnsupportedOpException | IllegalArgumentException | IllegalStateException
                     | UnsupportedOperationException e) {
                problems.add(new OnnxImportException.Problem(n.name(), n.opType(), n.domain(), opset, e.getMessage()));
            } catch (RuntimeException e) {
                // a converter met inputs it did not check for: still this node's problem, said as such
                problems.add(new OnnxImportException.Problem(n.name(), n.opType(), n.domain(), opset,
                        "inputs, attributes or shapes that " + n.opType() + " cannot take (inputs " + n.inputs()
                                + " of types " + inputTypes(g, n) + "; converter failed with "
                                + e.getClass().getSimpleName() + ": " + e.getMessage() + ")"));
            }
        }
        return problems;
    }

    private static List<String> inputTypes(IrGraph g, IrNode n) {
        List<String> out = new ArrayList<>();
        for (String in : n.inputs()) {
            TensorType t = in.isEmpty() ? null : g.type(in);
            out.add(t == null ? "?" : t.toString());
        }
        return out;
    }

    /** Most elements one folded constant may have (512 MiB of floats): a larger one is a malformed model. */
    public static final long MAX_FOLDED_ELEMENTS = 1L << 27;

    private static void checkFoldable(List<TensorType> types) {
        for (int i = 0; i < types.size(); i++) {
            TensorType t = types.get(i);
            long count = 1;
            for (var d : t.shape()) {
                if (!d.isKnown() || d.value() < 0) {
                    throw new IllegalArgumentException("output " + i + " of constant inputs has shape " + t.shape()
                            + "; every size must be known and ≥ 0");
                }
                count = d.value() == 0 ? 0 : (count > MAX_FOLDED_ELEMENTS / d.value() ? MAX_FOLDED_ELEMENTS + 1
                        : count * d.value());
            }
            if (count > MAX_FOLDED_ELEMENTS) {
                throw new IllegalArgumentException("output " + i + " would be a constant of shape " + t.shape()
                        + ", more than " + MAX_FOLDED_ELEMENTS + " elements");
            }
        }
    }

    private static void checkFolded(List<TensorType> types, List<INDArray> values) {
        for (int i = 0; i < types.size() && i < values.size(); i++) {
            long[] want = types.get(i).shape().stream().mapToLong(d -> d.value()).toArray();
            if (!java.util.Arrays.equals(want, values.get(i).shape())) {
                throw new IllegalArgumentException("output " + i + " folded to shape "
                        + java.util.Arrays.toString(values.get(i).shape()) + ", its inputs give "
                        + java.util.Arrays.toString(want));
            }
        }
    }

    /** Replaces an {@code If} whose condition is known at import by the nodes of the branch it takes. */
    private static void inlineBranch(IrGraph g, IrNode n, java.util.ListIterator<IrNode> it) {
        boolean cond = g.constant(n.input(0)).getDouble(0) != 0;
        org.coft.clip.onnx.ir.Attr branch = n.attrs().get(cond ? "then_branch" : "else_branch");
        it.remove();
        var sub = branch.graph();
        for (var c : sub.constants().entrySet()) {
            g.constants().put(c.getKey(), c.getValue());
            g.types().put(c.getKey(), TensorType.of(c.getValue().dataType(), c.getValue().shape()));
        }
        List<IrNode> added = new ArrayList<>(sub.nodes().stream().map(IrNode::copy).toList());
        for (int i = 0; i < sub.outputs().size(); i++) {
            added.add(new IrNode(n.name() + "/out" + i, "Identity", "", List.of(sub.outputs().get(i)),
                    List.of(n.output(i)), java.util.Map.of()));
        }
        for (IrNode a : added) {
            it.add(a);
        }
        for (int i = 0; i < added.size(); i++) {
            it.previous();
        }
    }
}
