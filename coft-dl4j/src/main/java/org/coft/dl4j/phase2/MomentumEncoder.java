package org.coft.dl4j.phase2;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The key encoder of MoCo (He et al., CVPR 2020) for CoFT+'s contrastive loss: a copy of the query encoder's
 * parameters updated by an exponential moving average after every step, {@code θ_k ← μ·θ_k + (1 − μ)·θ_q}; it
 * receives no gradient.
 */
public final class MomentumEncoder {
    private final double momentum;
    private final Map<String, INDArray> keys = new LinkedHashMap<>();

    /**
     * @param query    the query encoder's parameters (copied: the key encoder starts equal to them)
     * @param momentum μ in [0, 1); 0.999 in MoCo
     */
    public MomentumEncoder(Map<String, INDArray> query, double momentum) {
        this(query, momentum, true);
    }

    private MomentumEncoder(Map<String, INDArray> arrays, double momentum, boolean copy) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        this.momentum = momentum;
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            keys.put(e.getKey(), copy ? e.getValue().dup() : e.getValue());
        }
    }

    /**
     * A key encoder that updates the given arrays in place (e.g. the live weights of a key network's graph, which
     * must start equal to the query encoder's).
     */
    public static MomentumEncoder over(Map<String, INDArray> liveKeyArrays, double momentum) {
        return new MomentumEncoder(liveKeyArrays, momentum, false);
    }

    public double momentum() {
        return momentum;
    }

    /** The key encoder's parameters (live arrays). */
    public Map<String, INDArray> parameters() {
        return keys;
    }

    /**
     * One EMA step towards the query encoder's current parameters.
     *
     * @throws IllegalArgumentException naming a parameter that is missing or has another shape
     */
    public void update(Map<String, INDArray> query) {
        for (Map.Entry<String, INDArray> e : keys.entrySet()) {
            INDArray q = query.get(e.getKey());
            if (q == null || !java.util.Arrays.equals(q.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("query parameter '" + e.getKey() + "' is "
                        + (q == null ? "missing" : java.util.Arrays.toString(q.shape())) + ", key encoder has "
                        + java.util.Arrays.toString(e.getValue().shape()));
            }
            // in place, no temporary: key ← μ·key, then key ← (1 − μ)·q + key
            INDArray k = e.getValue().muli(momentum);
            org.nd4j.linalg.factory.Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy(
                    q, k, k, 1 - momentum));
        }
    }
}
