package org.coft.clip.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ir.Attr;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inserts visual prompt tokens (VPT, Jia et al. 2022) into a ViT image tower, found by structure:
 * <ul>
 *   <li>shallow: {@code P} learned tokens {@value #SHALLOW} [P, width] inserted after the position-embedding
 *   addition (before the pre-layer-norm) between the class token and the patch tokens: [CLS, p1..pP, patches];</li>
 *   <li>deep: additionally, before every encoder layer l ≥ 1, residual-stream tokens 1..P are replaced by
 *   layer l's prompts {@value #DEEP} [layers − 1, P, width].</li>
 * </ul>
 * The shallow insertion changes the sequence length, so it runs on the parsed graph before shapes are
 * folded; the deep replacement keeps shapes and runs on the rewritten graph, where layer norms are fused.
 */
final class VisualPromptSeams {
    static final String SHALLOW = "visual_prompts";
    static final String DEEP = "visual_prompts_deep";

    private VisualPromptSeams() {
    }

    /** Shallow insertion on the parsed graph; returns the token width. */
    static long insertShallow(IrGraph g, String pixelInput, int tokens) {
        Map<String, List<IrNode>> consumers = g.consumers();
        IrNode conv = first(consumers.get(pixelInput), "Conv");
        if (conv == null) {
            throw new IllegalArgumentException("no patch-embedding Conv on input '" + pixelInput + "': visual prompts "
                    + "need a ViT image tower");
        }
        long width = g.constant(conv.input(1)).size(0);
        // follow the patch embeddings forward to the class-token Concat, then the position-embedding Add
        String v = conv.output(0);
        IrNode concat = null;
        for (int i = 0; i < 8 && concat == null; i++) {
            // shape reads (Shape nodes) do not carry data; follow the one data consumer
            List<IrNode> c = consumers.get(v) == null ? List.of()
                    : consumers.get(v).stream().filter(n -> !n.opType().equals("Shape")).toList();
            if (c.size() != 1) {
                break;
            }
            IrNode next = c.get(0);
            if (next.opType().equals("Concat")) {
                concat = next;
            } else {
                v = next.output(0);
            }
        }
        IrNode add = concat == null ? null : first(consumers.get(concat.output(0)), "Add");
        if (add == null) {
            throw new IllegalArgumentException("no class-token Concat followed by a position-embedding Add after the "
                    + "patch embedding; cannot place visual prompts");
        }
        String x = add.output(0);
        String p = "vpt/";
        g.inputs().put(SHALLOW, TensorType.of(DataType.FLOAT, tokens, width));
        g.types().put(SHALLOW, TensorType.of(DataType.FLOAT, tokens, width));
        constant(g, p + "zero", 0L);
        constant(g, p + "one", 1L);
        constant(g, p + "big", Long.MAX_VALUE);
        constant(g, p + "axis1", 1L);
        constant(g, p + "axis0", 0L);
        constant(g, p + "pw", tokens, width);
        List<IrNode> nodes = new ArrayList<>();
        nodes.add(node(p + "cls", "Slice", List.of(x, p + "zero", p + "one", p + "axis1"), Map.of()));
        nodes.add(node(p + "patches", "Slice", List.of(x, p + "one", p + "big", p + "axis1"), Map.of()));
        nodes.add(node(p + "shape", "Shape", List.of(x), Map.of()));
        nodes.add(node(p + "batch", "Slice", List.of(p + "shape", p + "zero", p + "one", p + "axis0"), Map.of()));
        nodes.add(node(p + "target", "Concat", List.of(p + "batch", p + "pw"), Map.of("axis", Attr.ofInt(0))));
        nodes.add(node(p + "unsq", "Unsqueeze", List.of(SHALLOW, p + "axis0"), Map.of()));
        nodes.add(node(p + "prompts", "Expand", List.of(p + "unsq", p + "target"), Map.of()));
        nodes.add(node(p + "tokens", "Concat", List.of(p + "cls", p + "prompts", p + "patches"),
                Map.of("axis", Attr.ofInt(1))));
        for (IrNode n : g.nodes()) {
            for (int i = 0; i < n.inputs().size(); i++) {
                if (n.inputs().get(i).equals(x)) {
                    n.inputs().set(i, p + "tokens");
                }
            }
        }
        g.nodes().addAll(g.nodes().indexOf(add) + 1, nodes);
        return width;
    }

    /**
     * Deep replacement on the rewritten graph (layer norms fused): before encoder layer l ≥ 1, tokens 1..P of
     * the residual stream become layer l's prompts. Returns the number of encoder layers.
     */
    static int replaceDeep(IrGraph g, int tokens, long width) {
        List<IrNode> norms = g.nodes().stream().filter(n -> n.opType().equals("LayerNormalization")).toList();
        if (norms.size() < 4 || norms.size() % 2 != 0) {
            throw new IllegalArgumentException("expected pre/post layer norms and two per encoder layer, found "
                    + norms.size() + " layer norms");
        }
        int layers = (norms.size() - 2) / 2;
        TensorType deepType = TensorType.of(DataType.FLOAT, layers - 1, tokens, width);
        g.inputs().put(DEEP, deepType);
        g.types().put(DEEP, deepType);
        for (int l = 1; l < layers; l++) {
            IrNode ln1 = norms.get(1 + 2 * l);
            String x = ln1.input(0);
            TensorType t = g.type(x);
            int tokenAxis = !t.dim(0).isKnown() ? 1 : 0;
            String p = "vpt/deep" + l + "/";
            constant(g, p + "l", (long) (l - 1));
            constant(g, p + "l1", (long) l);
            constant(g, p + "a0", 0L);
            constant(g, p + "zero", 0L);
            constant(g, p + "one", 1L);
            constant(g, p + "from", 1L + tokens);
            constant(g, p + "big", Long.MAX_VALUE);
            constant(g, p + "tokAxis", (long) tokenAxis);
            List<IrNode> nodes = new ArrayList<>();
            nodes.add(node(p + "cls", "Slice", List.of(x, p + "zero", p + "one", p + "tokAxis"), Map.of()));
            nodes.add(node(p + "rest", "Slice", List.of(x, p + "from", p + "big", p + "tokAxis"), Map.of()));
            nodes.add(node(p + "pick", "Slice", List.of(DEEP, p + "l", p + "l1", p + "a0"), Map.of()));
            // [1, P, W] is already token-major for [B, S, W]; for sequence-first [S, B, W] it becomes [P, 1, W]
            String prompts = p + "pick";
            if (tokenAxis == 0) {
                nodes.add(node(p + "lnd", "Transpose", List.of(p + "pick"), Map.of("perm", Attr.ofInts(new long[] {1, 0, 2}))));
                prompts = p + "lnd";
            }
            // broadcast target: x's shape with the token axis set to P (the batch stays symbolic)
            int batchAxis = 1 - tokenAxis;
            constant(g, p + "b0", (long) batchAxis);
            constant(g, p + "b1", (long) batchAxis + 1);
            constant(g, p + "p", (long) tokens);
            constant(g, p + "w", width);
            nodes.add(node(p + "shape", "Shape", List.of(x), Map.of()));
            nodes.add(node(p + "batch", "Slice", List.of(p + "shape", p + "b0", p + "b1", p + "a0"), Map.of()));
            nodes.add(node(p + "target", "Concat", tokenAxis == 0 ? List.of(p + "p", p + "batch", p + "w")
                    : List.of(p + "batch", p + "p", p + "w"), Map.of("axis", Attr.ofInt(0))));
            nodes.add(node(p + "bcast", "Expand", List.of(prompts, p + "target"), Map.of()));
            nodes.add(node(p + "tokens", "Concat", List.of(p + "cls", p + "bcast", p + "rest"),
                    Map.of("axis", Attr.ofInt(tokenAxis))));
            for (IrNode n : g.nodes()) {
                for (int i = 0; i < n.inputs().size(); i++) {
                    if (n.inputs().get(i).equals(x)) {
                        n.inputs().set(i, p + "tokens");
                    }
                }
            }
            g.nodes().addAll(g.nodes().indexOf(ln1), nodes);
        }
        return layers;
    }

    private static IrNode first(List<IrNode> nodes, String op) {
        if (nodes == null) {
            return null;
        }
        return nodes.stream().filter(n -> n.opType().equals(op)).findFirst().orElse(null);
    }

    private static IrNode node(String out, String op, List<String> in, Map<String, Attr> attrs) {
        return new IrNode(out, op, "", in, List.of(out), attrs);
    }

    private static void constant(IrGraph g, String name, long... values) {
        var a = values.length == 1 ? Nd4j.createFromArray(values) : Nd4j.createFromArray(values);
        g.constants().put(name, a);
        g.types().put(name, TensorType.of(DataType.LONG, a.shape()));
    }
}
