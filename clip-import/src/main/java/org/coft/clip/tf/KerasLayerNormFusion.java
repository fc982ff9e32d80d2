package org.coft.clip.tf;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ir.Attr;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fuses the layer norm Keras writes into TF graphs ({@code tf.nn.moments} + {@code tf.nn.batch_normalization}, as
 * {@code LayerNormalization} does when its epsilon is below the fused kernel's 1.001e-5 — CLIP's 1e-5 is), as
 * translated by the converters:
 * <pre>
 *   mean = ReduceMean(x, -1); d = Sub(x, Identity(mean)); var = ReduceMean(Mul(d, d), -1)   // moments
 *   inv = Mul(Reciprocal(Sqrt(Add(var, ε))), γ); y = Add(Mul(x, inv), Sub(β, Mul(mean, inv)))
 * </pre>
 * into one fused {@code LayerNormalization(x, γ, β)} over the last axis, the node the ONNX path's own layer-norm
 * fusion makes — so the image tower's seams (deep visual prompts find encoder layers by their layer norms) work on
 * Keras-style graphs too. Runs on the parsed TF graph, before the shared rewrite passes.
 */
final class KerasLayerNormFusion {
    private final IrGraph g;
    private final Map<String, IrNode> producers;
    private final Map<String, List<IrNode>> consumers;
    private final TfRanks ranks;

    private KerasLayerNormFusion(IrGraph g, TfRanks ranks) {
        this.g = g;
        this.ranks = ranks;
        this.producers = g.producers();
        this.consumers = g.consumers();
    }

    /** Fuses every match; returns how many. */
    static int apply(IrGraph g, TfRanks ranks) {
        int count = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            KerasLayerNormFusion f = new KerasLayerNormFusion(g, ranks);
            for (IrNode add : g.nodes()) {
                if (add.opType().equals("Add") && f.tryFuse(add)) {
                    count++;
                    changed = true;
                    break;
                }
            }
        }
        return count;
    }

    private boolean tryFuse(IrNode y) {
        for (int side = 0; side < 2; side++) {
            IrNode xs = producer(y.input(side), "Mul");
            IrNode off = producer(y.input(1 - side), "Sub");
            if (xs == null || off == null || !g.isConstant(off.input(0))) {
                continue;
            }
            IrNode ms = producer(off.input(1), "Mul");
            if (ms == null) {
                continue;
            }
            // ms = mean · inv and xs = x · inv share inv
            String inv = shared(xs, ms);
            if (inv == null) {
                continue;
            }
            String x = other(xs, inv);
            String meanV = other(ms, inv);
            IrNode mean = producer(meanV, "ReduceMean");
            IrNode invScaled = producer(inv, "Mul");
            if (mean == null || invScaled == null || !mean.input(0).equals(x) || !lastAxis(mean)) {
                continue;
            }
            for (int gs = 0; gs < 2; gs++) {
                String gamma = invScaled.input(gs);
                IrNode recip = producer(invScaled.input(1 - gs), "Reciprocal");
                IrNode sqrt = recip == null ? null : producer(recip.input(0), "Sqrt");
                IrNode addEps = sqrt == null ? null : producer(sqrt.input(0), "Add");
                if (!g.isConstant(gamma) || addEps == null) {
                    continue;
                }
                String epsName = g.isConstant(addEps.input(1)) ? addEps.input(1) : addEps.input(0);
                INDArray eps = g.constant(epsName);
                IrNode var = producer(other(addEps, epsName), "ReduceMean");
                IrNode sq = var == null ? null : producer(var.input(0), "Mul");
                IrNode d = sq == null || !sq.input(0).equals(sq.input(1)) ? null : producer(sq.input(0), "Sub");
                if (eps == null || eps.length() != 1 || !lastAxis(var) || d == null || !d.input(0).equals(x)
                        || !readsMean(d.input(1), mean.output(0))) {
                    continue;
                }
                List<IrNode> remove = new ArrayList<>(List.of(mean, d, sq, var, addEps, sqrt, recip, invScaled, xs, ms,
                        off, y));
                IrNode stop = producers.get(d.input(1));
                if (stop != mean) {
                    remove.add(stop);
                }
                if (!onlyInside(remove, y.output(0))) {
                    continue;
                }
                IrNode ln = new IrNode(y.name() + "/LayerNorm", "LayerNormalization", IrNode.FUSED_DOMAIN,
                        List.of(x, gamma, off.input(0)), List.of(y.output(0)),
                        Map.of("axis", Attr.ofInt(-1), "epsilon", Attr.ofFloat(eps.getDouble(0))));
                int at = g.nodes().indexOf(y);
                g.nodes().set(at, ln);
                g.nodes().removeAll(remove);
                return true;
            }
        }
        return false;
    }

    private IrNode producer(String value, String op) {
        IrNode p = producers.get(value);
        return p != null && p.opType().equals(op) && p.domain().isEmpty() ? p : null;
    }

    /** The input two binary nodes share, or null. */
    private static String shared(IrNode a, IrNode b) {
        for (String x : a.inputs()) {
            if (b.inputs().contains(x)) {
                return x;
            }
        }
        return null;
    }

    private static String other(IrNode n, String known) {
        return n.input(0).equals(known) ? n.input(1) : n.input(0);
    }

    /** The mean itself, or an Identity of it (TF's stop_gradient). */
    private boolean readsMean(String v, String mean) {
        if (v.equals(mean)) {
            return true;
        }
        IrNode p = producer(v, "Identity");
        return p != null && p.input(0).equals(mean);
    }

    /** A keep-dims mean over the last axis: -1, or rank − 1 (Keras writes the positive axis). */
    private boolean lastAxis(IrNode reduce) {
        long[] axes = reduce == null ? null : reduce.intsAttr("axes");
        if (axes == null || axes.length != 1 || reduce.intAttr("keepdims", 1) != 1) {
            return false;
        }
        if (axes[0] == -1) {
            return true;
        }
        try {
            return axes[0] == ranks.rank(reduce.input(0)) - 1;
        } catch (IllegalArgumentException e) {
            return false; // rank not derivable: leave the pattern unfused (still computed exactly)
        }
    }

    /** Every value the pattern computes, except its result, is read only by pattern nodes. */
    private boolean onlyInside(List<IrNode> nodes, String result) {
        for (IrNode n : nodes) {
            for (String out : n.outputs()) {
                if (out.equals(result)) {
                    continue;
                }
                if (g.outputs().contains(out)) {
                    return false;
                }
                for (IrNode c : consumers.getOrDefault(out, List.of())) {
                    if (!nodes.contains(c)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
