package org.coft.dl4j.layers;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link FeatureAdapter} as a DL4J layer, for {@code ComputationGraph} / {@code MultiLayerNetwork} users who feed
 * cached CLIP image features: input and output [batch, dim]. Starts as the identity (W2, b2 zero). Its gradients
 * are those of the math ({@link SameDiffLayerGradients}: DL4J M2.1 doubles a SameDiffLayer's, corrected here).
 */
public class FeatureAdapterLayer extends SameDiffLayer {
    private int dim;
    private int hidden;
    private long seed;

    /** For DL4J's configuration deserialisation. */
    protected FeatureAdapterLayer() {
    }

    /**
     * @param dim    feature width (in = out)
     * @param hidden bottleneck width
     * @param seed   seed of W1's initialisation
     */
    public FeatureAdapterLayer(int dim, int hidden, long seed) {
        if (dim < 1 || hidden < 1) {
            throw new IllegalArgumentException("dim and hidden must be positive, got " + dim + ", " + hidden);
        }
        this.dim = dim;
        this.hidden = hidden;
        this.seed = seed;
    }

    public int getDim() {
        return dim;
    }

    public int getHidden() {
        return hidden;
    }

    public long getSeed() {
        return seed;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable out = FeatureAdapter.apply(sd, "adapter", input, p.get("w1"), p.get("b1"), p.get("w2"), p.get("b2"));
        return SameDiffLayerGradients.halveBackward(sd, "adapter/dl4j_out", out);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam("w1", dim, hidden);
        params.addBiasParam("b1", 1, hidden);
        params.addWeightParam("w2", hidden, dim);
        params.addBiasParam("b2", 1, dim);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray[] init = FeatureAdapter.init(dim, hidden, seed);
        params.get("w1").assign(init[0]);
        params.get("b1").assign(init[1]);
        params.get("w2").assign(init[2]);
        params.get("b2").assign(init[3]);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(dim);
    }
}
