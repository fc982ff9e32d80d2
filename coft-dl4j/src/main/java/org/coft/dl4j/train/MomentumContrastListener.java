package org.coft.dl4j.train;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The MoCo loop around a {@link org.coft.dl4j.layers.MomentumContrastOutputLayer} in DL4J's own {@code fit}
 * ({@code graph.setListeners(...)}): when the step's gradient is computed it takes the batch's positive keys (the
 * layer's labels); after the update it enqueues them into the layer's queue (a ring buffer: the oldest keys are
 * overwritten) and, when a key encoder is attached, moves each of its parameters by EMA towards the parameter of
 * the same name in the trained graph ({@code θ_k ← μ θ_k + (1 − μ) θ_q}; the key encoder is a graph of the same
 * layers and names, e.g. the query encoder's layers cloned). The keys of a step are computed by the caller with the
 * key encoder before the step, as in MoCo.
 */
public final class MomentumContrastListener extends BaseCoftListener {
    private final String layer;
    private final Model keyEncoder;
    private final double momentum;
    private INDArray pending;
    private int next;

    /** Enqueues the keys of layer {@code layer}'s steps; no key encoder to move. */
    public MomentumContrastListener(String layer) {
        this(layer, null, 0);
    }

    /**
     * @param layer      name of the {@code MomentumContrastOutputLayer} in the trained graph
     * @param keyEncoder the key encoder (parameters matched by name), or null
     * @param momentum   μ in [0, 1) (CoFT+'s default 0.99)
     */
    public MomentumContrastListener(String layer, Model keyEncoder, double momentum) {
        if (layer == null || layer.isEmpty()) {
            throw new IllegalArgumentException("layer: '" + layer + "' (the name of the MomentumContrastOutputLayer)");
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum: " + momentum + " (expected in [0, 1))");
        }
        this.layer = layer;
        this.keyEncoder = keyEncoder;
        this.momentum = momentum;
    }

    private Layer layerOf(Model model) {
        if (!(model instanceof ComputationGraph g)) {
            throw new IllegalArgumentException("MomentumContrastListener: expected a ComputationGraph, got "
                    + model.getClass().getSimpleName());
        }
        if (!g.getConfiguration().getVertices().containsKey(layer) || g.getLayer(layer) == null) {
            throw new IllegalArgumentException("MomentumContrastListener: the graph has no layer '" + layer + "' (its "
                    + "layers: " + g.getConfiguration().getVertices().keySet() + ")");
        }
        return g.getLayer(layer);
    }

    @Override
    public void onGradientCalculation(Model model) {
        Layer l = layerOf(model);
        if (!(l instanceof IOutputLayer out) || out.getLabels() == null) {
            throw new IllegalStateException("MomentumContrastListener: layer '" + layer + "' has no labels (positive "
                    + "keys) at the gradient step; is it a MomentumContrastOutputLayer?");
        }
        pending = out.getLabels().dup();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (pending == null) {
            return;
        }
        INDArray queue = layerOf(model).getParam(org.coft.dl4j.layers.MomentumContrastOutputLayer.QUEUE);
        int cap = (int) queue.size(0);
        for (long i = Math.max(0, pending.size(0) - cap); i < pending.size(0); i++) {
            queue.getRow(next).assign(pending.getRow(i));
            next = (next + 1) % cap;
        }
        pending = null;
        if (keyEncoder != null) {
            Map<String, INDArray> query = model.paramTable();
            for (Map.Entry<String, INDArray> e : keyEncoder.paramTable().entrySet()) {
                INDArray q = query.get(e.getKey());
                if (q != null && java.util.Arrays.equals(q.shape(), e.getValue().shape())) {
                    e.getValue().muli(momentum).addi(q.mul(1 - momentum));
                }
            }
        }
    }

    /** The queue row the next key goes to. */
    public int next() {
        return next;
    }
}
