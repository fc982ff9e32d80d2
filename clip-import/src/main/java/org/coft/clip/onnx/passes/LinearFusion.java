package org.coft.clip.onnx.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fuses {@code MatMul(x, W)} with a constant 2-D weight, and a following {@code Add} of a constant bias of
 * length {@code W.shape[1]}, into one {@code Linear} node (one GEMM over all leading dims plus bias).
 */
public final class LinearFusion implements GraphPass {
    @Override
    public String name() {
        return "linear fusion";
    }

    @Override
    public int apply(IrGraph g) {
        int count = 0;
        PatternMatch m = new PatternMatch(g);
        Map<String, List<IrNode>> consumers = g.consumers();
        for (IrNode mm : new ArrayList<>(g.nodes())) {
            if (!mm.opType().equals("MatMul") || !mm.domain().isEmpty()) {
                continue;
            }
            INDArray w = g.constant(mm.input(1));
            var xt = g.type(mm.input(0));
            if (w == null || w.rank() != 2 || xt == null || xt.rank() < 2 || !xt.dim(xt.rank() - 1).isKnown()) {
                continue;
            }
            List<IrNode> remove = new ArrayList<>(List.of(mm));
            String bias = "";
            String out = mm.output(0);
            List<IrNode> c = consumers.get(out);
            if (c != null && c.size() == 1 && m.usedOnlyBy(out, 1)) {
                IrNode add = c.get(0);
                String b = add.opType().equals("Add") && add.domain().isEmpty() ? PatternMatch.other(add, out) : null;
                INDArray bv = b == null ? null : g.constant(b);
                if (bv != null && bv.length() == w.size(1) && (bv.rank() == 1 || bv.rank() == 2 && bv.size(0) == 1)) {
                    bias = b; // a [1, n] bias is flattened when emitted; the constant may have other consumers
                    remove.add(add);
                    out = add.output(0);
                }
            }
            IrNode fused = new IrNode(mm.name() + "/Linear", "Linear", IrNode.FUSED_DOMAIN,
                    bias.isEmpty() ? List.of(mm.input(0), mm.input(1)) : List.of(mm.input(0), mm.input(1), bias),
                    List.of(out), Map.of());
            PatternMatch.replace(g, remove, fused);
            count++;
        }
        return count;
    }
}
