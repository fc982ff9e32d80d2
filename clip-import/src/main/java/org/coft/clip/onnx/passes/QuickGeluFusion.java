package org.coft.clip.onnx.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ir.Attr;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;

/** Fuses {@code x · sigmoid(α·x)} (Mul, Sigmoid, Mul; α = 1.702 in CLIP) into one {@code QuickGelu} node. */
public final class QuickGeluFusion implements GraphPass {
    @Override
    public String name() {
        return "quick-gelu fusion";
    }

    @Override
    public int apply(IrGraph g) {
        int count = 0;
        PatternMatch m = new PatternMatch(g);
        for (IrNode mul : new ArrayList<>(g.nodes())) {
            if (!mul.opType().equals("Mul") || !mul.domain().isEmpty()) {
                continue;
            }
            for (int side = 0; side < 2; side++) {
                IrNode sig = m.producer(mul.input(side), "Sigmoid");
                if (sig == null) {
                    continue;
                }
                String x = mul.input(1 - side);
                IrNode scale = m.producer(sig.input(0), "Mul");
                if (scale == null) {
                    continue;
                }
                String alphaName = PatternMatch.other(scale, x);
                double alpha = alphaName == null ? Double.NaN : m.scalar(alphaName);
                if (Double.isNaN(alpha) || !m.usedOnlyBy(sig.output(0), 1) || !m.usedOnlyBy(scale.output(0), 1)) {
                    continue;
                }
                IrNode fused = new IrNode(mul.name() + "/QuickGelu", "QuickGelu", IrNode.FUSED_DOMAIN, List.of(x),
                        List.of(mul.output(0)), Map.of("alpha", Attr.ofFloat(alpha)));
                PatternMatch.replace(g, List.of(scale, sig, mul), fused);
                count++;
                break;
            }
        }
        return count;
    }
}
