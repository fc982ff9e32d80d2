package org.coft.clip.tf;

import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;

/**
 * Removes {@code Transpose(Transpose(x, p), q)} pairs that compose to the identity, where the inner result has no
 * other reader: the layout round trips NHWC convolutions leave (a TF graph's own NCHW → NHWC transpose followed by
 * the converter's NHWC → NCHW one), so the CLIP seams find the patch {@code Conv} right on the pixel input.
 */
final class TransposePairs {
    private TransposePairs() {
    }

    static int cancel(IrGraph g) {
        int removed = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            Map<String, IrNode> producers = g.producers();
            Map<String, List<IrNode>> consumers = g.consumers();
            for (IrNode outer : g.nodes()) {
                if (!outer.opType().equals("Transpose") || g.outputs().contains(outer.output(0))) {
                    continue;
                }
                IrNode inner = producers.get(outer.input(0));
                if (inner == null || !inner.opType().equals("Transpose") || g.outputs().contains(inner.output(0))
                        || consumers.get(inner.output(0)).size() != 1) {
                    continue;
                }
                long[] p = inner.intsAttr("perm");
                long[] q = outer.intsAttr("perm");
                if (p == null || q == null || p.length != q.length || !identity(p, q)) {
                    continue;
                }
                String x = inner.input(0);
                for (IrNode n : g.nodes()) {
                    n.inputs().replaceAll(v -> v.equals(outer.output(0)) ? x : v);
                }
                g.nodes().remove(outer);
                g.nodes().remove(inner);
                removed++;
                changed = true;
                break;
            }
        }
        return removed;
    }

    private static boolean identity(long[] p, long[] q) {
        for (int i = 0; i < q.length; i++) {
            if (p[(int) q[i]] != i) {
                return false;
            }
        }
        return true;
    }
}
