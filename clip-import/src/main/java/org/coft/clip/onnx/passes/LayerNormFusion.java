package org.coft.clip.onnx.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ir.Attr;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fuses the decomposed layer norm that opset < 17 exports produce,
 * {@code (x − mean(x)) / sqrt(mean((x − mean(x))²) + ε) · γ + β} (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt,
 * Div, Mul, Add), into one {@code LayerNormalization} node over the last axis.
 */
public final class LayerNormFusion implements GraphPass {
    @Override
    public String name() {
        return "layer-norm fusion";
    }

    @Override
    public int apply(IrGraph g) {
        int count = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            PatternMatch m = new PatternMatch(g);
            for (IrNode div : new ArrayList<>(g.nodes())) {
                if (!div.opType().equals("Div") || !div.domain().isEmpty()) {
                    continue;
                }
                IrNode sub = m.producer(div.input(0), "Sub");
                IrNode sqrt = m.producer(div.input(1), "Sqrt");
                if (sub == null || sqrt == null) {
                    continue;
                }
                IrNode mean = m.producer(sub.input(1), "ReduceMean");
                IrNode addEps = m.producer(sqrt.input(0), "Add");
                if (mean == null || addEps == null || !mean.input(0).equals(sub.input(0)) || !PatternMatch.reducesLastAxis(g, mean)) {
                    continue;
                }
                String varName = g.isConstant(addEps.input(1)) ? addEps.input(0) : addEps.input(1);
                double eps = m.scalar(PatternMatch.other(addEps, varName));
                IrNode var = m.producer(varName, "ReduceMean");
                if (Double.isNaN(eps) || var == null || !PatternMatch.reducesLastAxis(g, var)) {
                    continue;
                }
                IrNode pow = m.producer(var.input(0), "Pow");
                IrNode sq = pow != null ? pow : m.producer(var.input(0), "Mul");
                if (sq == null || !sq.input(0).equals(sub.output(0))
                        || (pow != null ? m.scalar(pow.input(1)) != 2.0 : !sq.input(1).equals(sub.output(0)))) {
                    continue;
                }
                // consumers are counted per input slot: Mul(d, d) reads d twice
                if (!m.usedOnlyBy(sub.output(0), pow != null ? 2 : 3) || !m.usedOnlyBy(mean.output(0), 1) || !m.usedOnlyBy(var.output(0), 1)
                        || !m.usedOnlyBy(addEps.output(0), 1) || !m.usedOnlyBy(sqrt.output(0), 1)
                        || !m.usedOnlyBy(sq.output(0), 1)) {
                    continue;
                }
                List<IrNode> remove = new ArrayList<>(List.of(mean, sub, sq, var, addEps, sqrt, div));
                String x = sub.input(0);
                String out = div.output(0);
                String gamma = "";
                String beta = "";
                IrNode mulG = single(g, out, "Mul");
                if (mulG != null && g.isConstant(PatternMatch.other(mulG, out)) && m.usedOnlyBy(out, 1)) {
                    gamma = PatternMatch.other(mulG, out);
                    remove.add(mulG);
                    out = mulG.output(0);
                    IrNode addB = single(g, out, "Add");
                    if (addB != null && g.isConstant(PatternMatch.other(addB, out)) && m.usedOnlyBy(out, 1)) {
                        beta = PatternMatch.other(addB, out);
                        remove.add(addB);
                        out = addB.output(0);
                    }
                }
                if (!gamma.isEmpty() && !matchesLastDim(g, gamma, x) || !beta.isEmpty() && !matchesLastDim(g, beta, x)) {
                    continue;
                }
                IrNode ln = new IrNode(div.name() + "/LayerNorm", "LayerNormalization", IrNode.FUSED_DOMAIN,
                        List.of(x, gamma, beta), List.of(out),
                        Map.of("axis", Attr.ofInt(-1), "epsilon", Attr.ofFloat(eps)));
                PatternMatch.replace(g, remove, ln);
                count++;
                changed = true;
                break;
            }
        }
        return count;
    }

    private static IrNode single(IrGraph g, String value, String op) {
        List<IrNode> c = g.consumers().get(value);
        if (c == null || c.size() != 1) {
            return null;
        }
        IrNode n = c.get(0);
        return n.opType().equals(op) && n.domain().isEmpty() ? n : null;
    }

    private static boolean matchesLastDim(IrGraph g, String param, String x) {
        INDArray p = g.constant(param);
        var xt = g.type(x);
        return p != null && xt != null && p.rank() == 1 && xt.dim(xt.rank() - 1).isKnown()
                && p.length() == xt.dim(xt.rank() - 1).value();
    }

}
