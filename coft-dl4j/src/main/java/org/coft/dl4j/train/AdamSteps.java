package org.coft.dl4j.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Adam with a per-step cosine schedule over named parameters, as our training loops use it (SameDiff's {@code fit}
 * reports loss 0 in M2.1): one updater per parameter over a flat state view, the state stored in and restored from
 * checkpoints as {@code adam/<name>} next to {@code param/<name>}.
 */
public final class AdamSteps {
    private final Adam adam;
    private final Map<String, INDArray> params;
    private final Map<String, INDArray> state = new LinkedHashMap<>();
    private final Map<String, GradientUpdater> updaters = new LinkedHashMap<>();

    private AdamSteps(double learningRate, int totalSteps, Map<String, INDArray> params, Map<String, INDArray> saved) {
        this.adam = new Adam(new CosineSchedule(learningRate, totalSteps));
        this.params = params;
        if (saved != null) {
            state.putAll(saved);
        }
        for (Map.Entry<String, INDArray> p : params.entrySet()) {
            long len = p.getValue().length();
            INDArray view = state.computeIfAbsent(p.getKey(), k -> Nd4j.zeros(DataType.FLOAT, 1, adam.stateSize(len)));
            updaters.put(p.getKey(), adam.instantiate(view, saved == null));
        }
    }

    /** Fresh Adam state for the live parameter arrays {@code params}. */
    public static AdamSteps fresh(double learningRate, int totalSteps, Map<String, INDArray> params) {
        return new AdamSteps(learningRate, totalSteps, params, null);
    }

    /**
     * Restores parameters and Adam state from checkpoint arrays ({@code param/<name>}, {@code adam/<name>}).
     *
     * @throws IOException naming the checkpoint and the missing parameter
     */
    public static AdamSteps restore(double learningRate, int totalSteps, Map<String, INDArray> params,
                                    Map<String, INDArray> checkpoint, Path file) throws IOException {
        Map<String, INDArray> saved = new LinkedHashMap<>();
        for (String p : params.keySet()) {
            INDArray v = checkpoint.get("param/" + p);
            INDArray s = checkpoint.get("adam/" + p);
            if (v == null || s == null) {
                throw new IOException("checkpoint " + file + " lacks parameter '" + p + "'");
            }
            params.get(p).assign(v);
            saved.put(p, s.castTo(DataType.FLOAT).reshape(1, s.length()).dup());
        }
        return new AdamSteps(learningRate, totalSteps, params, saved);
    }

    public double learningRate(int step, int epoch) {
        return adam.getLearningRate(step, epoch);
    }

    /**
     * One update of every parameter from its gradient (plus {@code weightDecay} · parameter when positive). Works in
     * place: a float, C-ordered, contiguous gradient array is overwritten with the update (no allocation per step);
     * any other is copied first.
     */
    public void apply(Map<String, INDArray> gradients, double weightDecay, int step, int epoch) {
        for (Map.Entry<String, INDArray> p : params.entrySet()) {
            INDArray param = p.getValue();
            INDArray g = gradients.get(p.getKey());
            if (g == null) {
                throw new IllegalArgumentException("no gradient for parameter '" + p.getKey() + "'");
            }
            if (g.dataType() != DataType.FLOAT || !contiguous(g) || g == param) {
                g = g.castTo(DataType.FLOAT).dup('c');
            }
            if (weightDecay > 0) {
                // g ← weightDecay · param + g
                Nd4j.exec(new Axpy(param.reshape(g.shape()), g, g, weightDecay));
            }
            INDArray flat = g.reshape(1, g.length());
            updaters.get(p.getKey()).applyUpdater(flat, step, epoch);
            param.subi(flat.reshape(param.shape()));
        }
    }

    private static boolean contiguous(INDArray a) {
        return a.ordering() == 'c' && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(a);
    }

    /** Parameters and Adam state as checkpoint entries ({@code param/<name>}, {@code adam/<name>}). */
    public Map<String, INDArray> checkpointArrays() {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        for (String p : params.keySet()) {
            arrays.put("param/" + p, params.get(p));
            arrays.put("adam/" + p, state.get(p));
        }
        return arrays;
    }

    /** Hex SHA-256 of a string (run fingerprints). */
    public static String sha256(String s) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(
                    java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
