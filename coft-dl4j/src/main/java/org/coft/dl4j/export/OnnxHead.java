package org.coft.dl4j.export;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The classifier heads as ONNX nodes, each the ONNX form of the SameDiff graph it exports:
 * <ul>
 *   <li>{@link #adapter}: {@code FeatureAdapter}'s {@code f + relu(f·W1 + b1)·W2 + b2};</li>
 *   <li>{@link #logits}: {@code scale · normalize(f) Wᵀ (+ b)} — Phase II's linear head ({@code FineTuneNetwork}), or
 *   with W the normalised class text embeddings and no bias, the Phase I / zero-shot head ({@code DualPromptHead});
 *   normalisation is {@code LpNormalization(p = 2)} over the embedding axis, as {@code x / ‖x‖₂};</li>
 *   <li>{@link #probabilities}: the softmax of each member's logits, averaged over members ({@code Classifier},
 *   {@code PhaseOne.ensemble}).</li>
 * </ul>
 */
final class OnnxHead {
    private OnnxHead() {
    }

    /** The feature adapter on features {@code f}; {@code a} = w1 [E, H], b1 [1, H], w2 [H, E], b2 [1, E]. */
    static String adapter(ExportGraph g, String prefix, String f, INDArray[] a) {
        String p = prefix + "adapter/";
        String[] names = {p + "w1", p + "b1", p + "w2", p + "b2"};
        for (int i = 0; i < 4; i++) {
            g.initializer(OnnxProtos.floats(names[i], a[i]));
        }
        g.add(OnnxProtos.node("MatMul", List.of(f, names[0]), p + "in"));
        g.add(OnnxProtos.node("Add", List.of(p + "in", names[1]), p + "in_b"));
        g.add(OnnxProtos.node("Relu", List.of(p + "in_b"), p + "hidden"));
        g.add(OnnxProtos.node("MatMul", List.of(p + "hidden", names[2]), p + "up"));
        g.add(OnnxProtos.node("Add", List.of(p + "up", names[3]), p + "up_b"));
        g.add(OnnxProtos.node("Add", List.of(f, p + "up_b"), p + "out"));
        return p + "out";
    }

    /**
     * Logits {@code scale · normalize(f) Wᵀ (+ b)} named {@code out}.
     *
     * @param w    [C, E]
     * @param bias [1, C], or null for none
     */
    static void logits(ExportGraph g, String prefix, String f, INDArray w, INDArray bias, double scale, String out) {
        String p = prefix + "head/";
        g.initializer(OnnxProtos.floats(p + "Wt", w.transpose()));
        g.initializer(OnnxProtos.floats(p + "scale", Nd4j.scalar((float) scale)));
        g.add(OnnxProtos.node("LpNormalization", List.of(f), p + "normalized", OnnxProtos.intAttr("axis", 1),
                OnnxProtos.intAttr("p", 2)));
        g.add(OnnxProtos.node("MatMul", List.of(p + "normalized", p + "Wt"), p + "cosines"));
        if (bias == null) {
            g.add(OnnxProtos.node("Mul", List.of(p + "cosines", p + "scale"), out));
            return;
        }
        g.initializer(OnnxProtos.floats(p + "b", bias));
        g.add(OnnxProtos.node("Mul", List.of(p + "cosines", p + "scale"), p + "scaled"));
        g.add(OnnxProtos.node("Add", List.of(p + "scaled", p + "b"), out));
    }

    /**
     * The mean over members of softmax(logits) along the class axis, named {@code out}; with output-prior offsets
     * {@code b} (see {@code OutputPrior}) then {@code softmax(log(mean) + b)}.
     *
     * @param outputBias [C] or null for none
     */
    static void probabilities(ExportGraph g, List<String> logits, double[] outputBias, String out) {
        String mean = outputBias == null ? out : out + "/before_prior";
        if (logits.size() == 1) {
            g.add(OnnxProtos.node("Softmax", logits, mean, OnnxProtos.intAttr("axis", 1)));
        } else {
            List<String> each = logits.stream().map(l -> l + "/softmax").toList();
            for (int i = 0; i < logits.size(); i++) {
                g.add(OnnxProtos.node("Softmax", List.of(logits.get(i)), each.get(i), OnnxProtos.intAttr("axis", 1)));
            }
            g.add(OnnxProtos.node("Mean", each, mean));
        }
        if (outputBias != null) {
            float[] b = new float[outputBias.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) outputBias[i];
            }
            g.initializer(OnnxProtos.floats(out + "/prior_offsets", Nd4j.createFromArray(new float[][] {b})));
            g.add(OnnxProtos.node("Log", List.of(mean), out + "/log"));
            g.add(OnnxProtos.node("Add", List.of(out + "/log", out + "/prior_offsets"), out + "/shifted"));
            g.add(OnnxProtos.node("Softmax", List.of(out + "/shifted"), out, OnnxProtos.intAttr("axis", 1)));
        }
    }
}
