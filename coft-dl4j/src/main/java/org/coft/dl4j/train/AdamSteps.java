package org.coft.dl4j.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Adam with a per-step cosine schedule over named parameters, as our training loops use it (SameDiff's {@code fit}
 * reports loss 0 in M2.1): per parameter one libnd4j {@code adam_updater} call over the two halves (m, v) of its flat
 * state row, the row stored in and restored from checkpoints as {@code adam/<name>} next to {@code param/<name>}.
 */
public final class AdamSteps {
    private final Adam adam;
    private final Map<String, INDArray> params;
    private final Map<String, INDArray> state = new LinkedHashMap<>();
    private final Map<String, Prepared> prepared = new LinkedHashMap<>();

    private AdamSteps(double learningRate, int totalSteps, Map<String, INDArray> params, Map<String, INDArray> saved) {
        this.adam = new Adam(new CosineSchedule(learningRate, totalSteps));
        this.params = params;
        if (saved != null) {
            state.putAll(saved);
        }
        for (Map.Entry<String, INDArray> p : params.entrySet()) {
            long len = p.getValue().length();
            INDArray row = state.computeIfAbsent(p.getKey(), k -> Nd4j.zeros(DataType.FLOAT, 1, adam.stateSize(len)));
            if (row.length() != adam.stateSize(len)) {
                throw new IllegalArgumentException("Adam state of parameter '" + p.getKey() + "' has " + row.length()
                        + " values; expected " + adam.stateSize(len) + " (m and v of its " + len + " values)");
            }
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
        double lr = adam.getLearningRate(step, epoch);
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
            Prepared op = prepared.get(p.getKey());
            if (op == null || op.gradient != g) {
                if (op != null) {
                    op.close();
                }
                op = new Prepared(g, param, state.get(p.getKey()), adam);
                prepared.put(p.getKey(), op);
            }
            op.run(lr, step);
        }
    }

    /**
     * One parameter's update as two native calls on fixed arrays — libnd4j's {@code adam_updater} (the op DL4J's
     * {@code AdamUpdater} runs: the gradient becomes the update, the state's two halves m and v are updated in place)
     * and {@code param −= update} — with their contexts built once per gradient array. DL4J's updater builds the op,
     * its context and its output shapes on every call (≈ 0.15 ms per parameter, 11.7 ms of a micro-CLIP Phase II
     * step at one thread for its 74 parameters); the plans hand back the same gradient arrays every step. Same ops,
     * same arguments: bit-identical to the updater.
     */
    private static final class Prepared implements AutoCloseable {
        final INDArray gradient;
        final Adam adam;
        final AdamUpdater adamOp;
        final OpContext adamCtx;
        final SubOp subOp;
        final OpContext subCtx;

        Prepared(INDArray gradient, INDArray param, INDArray stateRow, Adam adam) {
            this.adam = adam;
            this.gradient = gradient;
            long n = gradient.length();
            // rank-1 views all three: with equal shapes and strides libnd4j's updater takes its contiguous loop; the
            // [1, n] halves of the [1, 2n] state row (row stride 2n, as DL4J's updater passes them) send it through
            // per-element index arithmetic, 2.4–3× slower (a [768, 3072] weight: 11.3 vs 3.9 ms at 2 threads)
            INDArray flat = gradient.reshape(n);
            INDArray m = stateRow.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(0, n)).reshape(n);
            INDArray v = stateRow.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(n, 2 * n)).reshape(n);
            // the learning rate and the iteration change per step: set on the context by run()
            adamOp = new AdamUpdater(flat, v, m, 0.0, adam.getBeta1(), adam.getBeta2(), adam.getEpsilon(), 0);
            adamCtx = Nd4j.getExecutioner().buildContext();
            adamCtx.setInputArrays(flat, v, m);
            adamCtx.setOutputArrays(flat, v, m);
            INDArray update = gradient.reshape(param.shape());
            subOp = new SubOp(param, update, param);
            subCtx = Nd4j.getExecutioner().buildContext();
            subCtx.setInputArrays(param, update);
            subCtx.setOutputArrays(param);
        }

        void run(double lr, int iteration) {
            adamCtx.setTArguments(lr, adam.getBeta1(), adam.getBeta2(), adam.getEpsilon());
            adamCtx.setIArguments(iteration);
            Nd4j.exec(adamOp, adamCtx);
            Nd4j.exec(subOp, subCtx);
        }

        @Override
        public void close() {
            try {
                adamCtx.close();
                subCtx.close();
            } catch (Exception e) {
                // a context that cannot be closed leaks a few bytes; nothing to recover
            }
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
