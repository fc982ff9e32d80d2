package org.coft.clip.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finds CLIP's trainable seams in an imported graph by structure, not by weight names (constant folding
 * renames weights, e.g. to {@code onnx::MatMul_123}): the token-embedding lookup, the projection at the end of
 * a tower, and the logit scale.
 */
final class ClipSeams {
    /** Name of the graph input added in place of the token-embedding lookup. */
    static final String TOKEN_EMBEDS = "token_embeds";

    private ClipSeams() {
    }

    /** The token-embedding table removed from the graph and the ids input it was indexed by. */
    record TokenEmbedding(INDArray table, String idsInput) { }

    /**
     * Replaces {@code Gather(table[V, W], ids)} (ids a graph input) by a new graph input {@value #TOKEN_EMBEDS}
     * of shape {@code ids.shape + [W]}, so the text tower runs from token embeddings (the seam learned prompt
     * context vectors enter through). Returns the table, or null when there is no such lookup.
     */
    static TokenEmbedding cutTokenEmbedding(IrGraph g) {
        for (IrNode n : g.nodes()) {
            if (!n.opType().equals("Gather") || !n.domain().isEmpty() || n.intAttr("axis", 0) != 0) {
                continue;
            }
            INDArray table = g.constant(n.input(0));
            String ids = idsSource(g, n.input(1));
            if (table == null || table.rank() != 2 || ids == null) {
                continue;
            }
            TensorType idsType = g.inputs().get(ids);
            List<Dim> shape = new ArrayList<>(idsType.shape());
            shape.add(Dim.of(table.size(1)));
            TensorType t = new TensorType(table.dataType(), shape);
            g.nodes().remove(n);
            g.inputs().put(TOKEN_EMBEDS, t);
            g.types().put(TOKEN_EMBEDS, t);
            for (IrNode m : g.nodes()) {
                for (int i = 0; i < m.inputs().size(); i++) {
                    if (m.inputs().get(i).equals(n.output(0))) {
                        m.inputs().set(i, TOKEN_EMBEDS);
                    }
                }
            }
            return new TokenEmbedding(table, ids);
        }
        return null;
    }

    /**
     * The graph input a Gather's indices come from, directly or through shape-preserving re-views (Hugging Face
     * reshapes {@code input_ids} to {@code [-1, seq]}, a no-op on [batch, seq] ids), or null.
     */
    private static String idsSource(IrGraph g, String indices) {
        Map<String, IrNode> producers = g.producers();
        String v = indices;
        for (int i = 0; i < 4; i++) {
            if (g.inputs().containsKey(v)) {
                return g.inputs().get(v).rank() == 2 && g.inputs().get(v).dataType().isIntType() ? v : null;
            }
            IrNode p = producers.get(v);
            if (p == null || !List.of("Reshape", "Cast", "Identity").contains(p.opType())) {
                return null;
            }
            v = p.input(0);
        }
        return null;
    }

    /**
     * Walks back from a tower output through normalisation (Div, Mul by a scalar, Identity) to the projection
     * (Linear / MatMul / Gemm with a constant weight) and returns the projection's input value — the features
     * before projection — or null.
     */
    static String beforeProjection(IrGraph g, String output) {
        Map<String, IrNode> producers = g.producers();
        String v = output;
        for (int steps = 0; steps < 8; steps++) {
            IrNode p = producers.get(v);
            if (p == null) {
                return null;
            }
            String op = p.opType();
            boolean constWeight = p.inputs().size() > 1 && g.isConstant(p.input(1));
            if ((op.equals("Linear") || op.equals("MatMul") || op.equals("Gemm")) && constWeight) {
                return p.input(0);
            }
            if (op.equals("Div") || op.equals("Identity") || op.equals("Mul") && g.isConstant(p.input(1))) {
                v = p.input(0);
                continue;
            }
            return null;
        }
        return null;
    }

    /**
     * The logit scale multiplying a logits output ({@code exp(logit_scale)}, folded to a scalar constant by the
     * export or by our import), or NaN when the graph has no logits output.
     */
    static double logitScale(IrGraph g, String logitsOutput) {
        Map<String, IrNode> producers = g.producers();
        List<String> frontier = new ArrayList<>(List.of(logitsOutput));
        for (int depth = 0; depth < 4 && !frontier.isEmpty(); depth++) {
            List<String> next = new ArrayList<>();
            for (String v : frontier) {
                IrNode p = producers.get(v);
                if (p == null) {
                    continue;
                }
                if (p.opType().equals("Mul")) {
                    for (String in : p.inputs()) {
                        INDArray c = g.constant(in);
                        if (c != null && c.length() == 1) {
                            return c.getDouble(0);
                        }
                        IrNode exp = producers.get(in);
                        INDArray param = exp != null && exp.opType().equals("Exp") ? g.constant(exp.input(0)) : null;
                        if (param != null && param.length() == 1) {
                            return Math.exp(param.getDouble(0));
                        }
                    }
                }
                next.addAll(p.inputs());
            }
            frontier = next;
        }
        return Double.NaN;
    }
}
