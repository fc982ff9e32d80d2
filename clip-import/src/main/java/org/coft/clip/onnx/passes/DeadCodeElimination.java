package org.coft.clip.onnx.passes;

import java.util.HashSet;
import java.util.List;
import java.util.ListIterator;
import java.util.Set;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;

/** Removes nodes none of whose outputs reach a graph output, and constants nothing reads any more. */
public final class DeadCodeElimination implements GraphPass {
    @Override
    public String name() {
        return "dead-code elimination";
    }

    @Override
    public int apply(IrGraph g) {
        Set<String> live = new HashSet<>(g.outputs());
        int removed = 0;
        List<IrNode> nodes = g.nodes();
        ListIterator<IrNode> it = nodes.listIterator(nodes.size());
        while (it.hasPrevious()) {
            IrNode n = it.previous();
            if (n.outputs().stream().noneMatch(live::contains)) {
                it.remove();
                removed++;
                continue;
            }
            for (String in : n.inputs()) {
                if (!in.isEmpty()) {
                    live.add(in);
                }
            }
        }
        g.constants().keySet().removeIf(k -> !live.contains(k));
        g.symbolic().keySet().removeIf(k -> !live.contains(k));
        return removed;
    }
}
