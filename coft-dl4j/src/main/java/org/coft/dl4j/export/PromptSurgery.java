package org.coft.dl4j.export;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import onnx.Onnx;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Inserts a Phase I model's learned visual prompt tokens (VPT, Jia et al. 2022) into the ONNX image tower, as the
 * importer does for training ({@code org.coft.clip.model.VisualPromptSeams}, same structural search, same ops),
 * with the learned tokens as initializers instead of graph inputs:
 * <ul>
 *   <li>shallow: [CLS, p1..pP, patches] after the position-embedding Add that follows the patch-embedding Conv and
 *   the class-token Concat;</li>
 *   <li>deep: before encoder layer l ≥ 1 (its first LayerNormalization), residual-stream tokens 1..P become layer
 *   l's prompts.</li>
 * </ul>
 */
final class PromptSurgery {
    private static final String P = "vpt/";

    private PromptSurgery() {
    }

    /**
     * One member's prompts.
     *
     * @param shallow   [P, width]
     * @param deep      [layers − 1, P, width], or null for shallow prompts
     * @param tokenAxis axis of the tokens in the residual stream (1 for [batch, tokens, width], 0 for
     *                  sequence-first towers); used by deep prompts
     */
    record Prompts(INDArray shallow, INDArray deep, int tokenAxis) { }

    /**
     * The token axis of the tower's residual stream from the imported graph's value types (the batch is the
     * symbolic dim): what deep prompts need.
     */
    static int tokenAxis(OnnxTower tower, Function<String, TensorType> types) {
        List<Onnx.NodeProto> norms = norms(tower.nodes(), tower);
        String x = norms.get(3).getInput(0);
        TensorType t = types.apply(x);
        if (t == null || t.rank() != 3) {
            throw new IllegalArgumentException("cannot tell the token axis of '" + x + "' in " + tower.file()
                    + " (type " + t + ")");
        }
        return !t.dim(0).isKnown() ? 1 : 0;
    }

    /** {@code nodes} with the prompts inserted; new initializers go to {@code inits}. */
    static List<Onnx.NodeProto> insert(List<Onnx.NodeProto> nodes, Map<String, Onnx.TensorProto> inits,
                                       OnnxTower tower, Prompts prompts) {
        if (tower.opset() < 10) {
            throw new IllegalArgumentException(tower.file() + " has opset " + tower.opset() + "; exporting visual "
                    + "prompts needs opset 10 or later (Slice with inputs)");
        }
        List<Onnx.NodeProto> out = new ArrayList<>(nodes);
        long width = insertShallow(out, inits, tower, prompts.shallow());
        if (prompts.deep() != null) {
            insertDeep(out, inits, tower, prompts.deep(), width, prompts.tokenAxis());
        }
        return out;
    }

    private static long insertShallow(List<Onnx.NodeProto> nodes, Map<String, Onnx.TensorProto> inits,
                                      OnnxTower tower, INDArray shallow) {
        Onnx.NodeProto conv = first(consumers(nodes, tower.pixelInput()), "Conv");
        Onnx.TensorProto w = conv == null ? null : tower.initializer(conv.getInput(1));
        if (w == null) {
            throw new IllegalArgumentException("no patch-embedding Conv (with an initializer weight) on input '"
                    + tower.pixelInput() + "' of " + tower.file() + ": visual prompts need a ViT image tower");
        }
        long width = w.getDims(0);
        long tokens = shallow.size(0);
        if (shallow.rank() != 2 || shallow.size(1) != width) {
            throw new IllegalArgumentException("visual prompts of shape " + Arrays.toString(shallow.shape())
                    + " do not fit the tower's width " + width);
        }
        // follow the patch embeddings forward to the class-token Concat, then the position-embedding Add
        String v = conv.getOutput(0);
        Onnx.NodeProto concat = null;
        for (int i = 0; i < 8 && concat == null; i++) {
            List<Onnx.NodeProto> c = consumers(nodes, v).stream().filter(n -> !n.getOpType().equals("Shape")).toList();
            if (c.size() != 1) {
                break;
            }
            if (c.get(0).getOpType().equals("Concat")) {
                concat = c.get(0);
            } else {
                v = c.get(0).getOutput(0);
            }
        }
        Onnx.NodeProto add = concat == null ? null : first(consumers(nodes, concat.getOutput(0)), "Add");
        if (add == null) {
            throw new IllegalArgumentException("no class-token Concat followed by a position-embedding Add after the "
                    + "patch embedding in " + tower.file() + "; cannot place visual prompts");
        }
        String x = add.getOutput(0);
        put(inits, OnnxProtos.vector(P + "zero", 0));
        put(inits, OnnxProtos.vector(P + "one", 1));
        put(inits, OnnxProtos.vector(P + "big", Long.MAX_VALUE));
        put(inits, OnnxProtos.vector(P + "axis1", 1));
        put(inits, OnnxProtos.vector(P + "axis0", 0));
        put(inits, OnnxProtos.longs(P + "pw", new long[] {tokens, width}, 2));
        put(inits, OnnxProtos.floats(P + "shallow", shallow.reshape(1, tokens, width)));
        List<Onnx.NodeProto> added = List.of(
                OnnxProtos.node("Slice", List.of(x, P + "zero", P + "one", P + "axis1"), P + "cls"),
                OnnxProtos.node("Slice", List.of(x, P + "one", P + "big", P + "axis1"), P + "patches"),
                OnnxProtos.node("Shape", List.of(x), P + "shape"),
                OnnxProtos.node("Slice", List.of(P + "shape", P + "zero", P + "one", P + "axis0"), P + "batch"),
                OnnxProtos.node("Concat", List.of(P + "batch", P + "pw"), P + "target", OnnxProtos.intAttr("axis", 0)),
                OnnxProtos.node("Expand", List.of(P + "shallow", P + "target"), P + "prompts"),
                OnnxProtos.node("Concat", List.of(P + "cls", P + "prompts", P + "patches"), P + "tokens",
                        OnnxProtos.intAttr("axis", 1)));
        rewire(nodes, x, P + "tokens");
        nodes.addAll(nodes.indexOf(add) + 1, added);
        return width;
    }

    private static void insertDeep(List<Onnx.NodeProto> nodes, Map<String, Onnx.TensorProto> inits, OnnxTower tower,
                                   INDArray deep, long width, int tokenAxis) {
        List<Onnx.NodeProto> norms = norms(nodes, tower);
        int layers = (norms.size() - 2) / 2;
        long tokens = deep.rank() == 3 ? deep.size(1) : -1;
        if (deep.rank() != 3 || deep.size(0) != layers - 1 || deep.size(2) != width) {
            throw new IllegalArgumentException("deep visual prompts of shape " + Arrays.toString(deep.shape())
                    + " do not fit the tower's " + layers + " layers of width " + width);
        }
        int batchAxis = 1 - tokenAxis;
        for (int l = 1; l < layers; l++) {
            Onnx.NodeProto ln1 = norms.get(1 + 2 * l);
            String x = ln1.getInput(0);
            String p = P + "deep" + l + "/";
            put(inits, OnnxProtos.vector(p + "zero", 0));
            put(inits, OnnxProtos.vector(p + "one", 1));
            put(inits, OnnxProtos.vector(p + "from", 1 + tokens));
            put(inits, OnnxProtos.vector(p + "big", Long.MAX_VALUE));
            put(inits, OnnxProtos.vector(p + "tokAxis", tokenAxis));
            put(inits, OnnxProtos.vector(p + "a0", 0));
            put(inits, OnnxProtos.vector(p + "b0", batchAxis));
            put(inits, OnnxProtos.vector(p + "b1", batchAxis + 1));
            put(inits, OnnxProtos.vector(p + "p", tokens));
            put(inits, OnnxProtos.vector(p + "w", width));
            // layer l's prompts, laid out [1, P, W] for [B, S, W] or [P, 1, W] for sequence-first [S, B, W]
            INDArray layer = deep.get(org.nd4j.linalg.indexing.NDArrayIndex.point(l - 1),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all());
            put(inits, OnnxProtos.floats(p + "prompts", tokenAxis == 0 ? layer.reshape(tokens, 1, width)
                    : layer.reshape(1, tokens, width)));
            List<Onnx.NodeProto> added = List.of(
                    OnnxProtos.node("Slice", List.of(x, p + "zero", p + "one", p + "tokAxis"), p + "cls"),
                    OnnxProtos.node("Slice", List.of(x, p + "from", p + "big", p + "tokAxis"), p + "rest"),
                    OnnxProtos.node("Shape", List.of(x), p + "shape"),
                    OnnxProtos.node("Slice", List.of(p + "shape", p + "b0", p + "b1", p + "a0"), p + "batch"),
                    OnnxProtos.node("Concat", tokenAxis == 0 ? List.of(p + "p", p + "batch", p + "w")
                            : List.of(p + "batch", p + "p", p + "w"), p + "target", OnnxProtos.intAttr("axis", 0)),
                    OnnxProtos.node("Expand", List.of(p + "prompts", p + "target"), p + "bcast"),
                    OnnxProtos.node("Concat", List.of(p + "cls", p + "bcast", p + "rest"), p + "tokens",
                            OnnxProtos.intAttr("axis", tokenAxis)));
            int at = nodes.indexOf(ln1);
            rewire(nodes, x, p + "tokens");
            nodes.addAll(at, added);
        }
    }

    private static List<Onnx.NodeProto> norms(List<Onnx.NodeProto> nodes, OnnxTower tower) {
        List<Onnx.NodeProto> norms = nodes.stream().filter(n -> n.getOpType().equals("LayerNormalization")
                && n.getDomain().isEmpty()).toList();
        if (norms.size() < 4 || norms.size() % 2 != 0) {
            throw new IllegalArgumentException("deep visual prompts need the tower's layer norms as "
                    + "LayerNormalization nodes (pre and post norm, two per encoder layer; an opset-17 export): "
                    + tower.file() + " has " + norms.size());
        }
        return norms;
    }

    /** Every read of {@code from} by the given nodes now reads {@code to}. */
    private static void rewire(List<Onnx.NodeProto> nodes, String from, String to) {
        for (int i = 0; i < nodes.size(); i++) {
            Onnx.NodeProto n = nodes.get(i);
            if (n.getInputList().contains(from)) {
                Onnx.NodeProto.Builder b = n.toBuilder();
                for (int k = 0; k < n.getInputCount(); k++) {
                    if (n.getInput(k).equals(from)) {
                        b.setInput(k, to);
                    }
                }
                nodes.set(i, b.build());
            }
        }
    }

    private static List<Onnx.NodeProto> consumers(List<Onnx.NodeProto> nodes, String value) {
        return nodes.stream().filter(n -> n.getInputList().contains(value)).toList();
    }

    private static Onnx.NodeProto first(List<Onnx.NodeProto> nodes, String op) {
        return nodes.stream().filter(n -> n.getOpType().equals(op)).findFirst().orElse(null);
    }

    private static void put(Map<String, Onnx.TensorProto> inits, Onnx.TensorProto t) {
        inits.put(t.getName(), t);
    }
}
