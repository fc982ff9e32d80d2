package org.coft.dl4j.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Feature-level residual adapter on frozen CLIP image features (in the spirit of CLIP-Adapter, Gao et al. 2021):
 * {@code f' = f + relu(f·W1 + b1)·W2 + b2}, bottleneck {@code hidden}. W2 and b2 start at zero, so an untrained
 * adapter leaves the features unchanged and training starts from zero-shot CLIP. Because the image tower stays
 * frozen and unprompted, its features can be computed once and cached: the cheap alternative to visual prompts.
 */
public final class FeatureAdapter {
    private FeatureAdapter() {
    }

    /** Parameter names under {@code name}: w1 [dim, hidden], b1 [hidden], w2 [hidden, dim], b2 [dim]. */
    public static String[] parameterNames(String name) {
        return new String[] {name + "/w1", name + "/b1", name + "/w2", name + "/b2"};
    }

    /** Initial values: W1 ~ N(0, 1/dim) (seeded), b1, W2, b2 zero. */
    public static INDArray[] init(int dim, int hidden, long seed) {
        return new INDArray[] {
            PromptLearner.gaussian(new long[] {dim, hidden}, seed, 1.0 / Math.sqrt(dim)),
            Nd4j.zeros(DataType.FLOAT, 1, hidden),
            Nd4j.zeros(DataType.FLOAT, hidden, dim),
            Nd4j.zeros(DataType.FLOAT, 1, dim)};
    }

    /** Adds the adapter's variables (from {@code values}) and ops to {@code sd}; returns the adapted features. */
    public static SDVariable define(SameDiff sd, String name, SDVariable features, INDArray[] values) {
        String[] n = parameterNames(name);
        SDVariable w1 = sd.var(n[0], values[0]);
        SDVariable b1 = sd.var(n[1], values[1]);
        SDVariable w2 = sd.var(n[2], values[2]);
        SDVariable b2 = sd.var(n[3], values[3]);
        return apply(sd, name, features, w1, b1, w2, b2);
    }

    /** The adapter's forward on given parameter variables. */
    public static SDVariable apply(SameDiff sd, String name, SDVariable f, SDVariable w1, SDVariable b1,
                                   SDVariable w2, SDVariable b2) {
        SDVariable h = sd.nn.relu(f.mmul(w1).add(b1), 0);
        return f.add(name + "/out", h.mmul(w2).add(b2));
    }
}
