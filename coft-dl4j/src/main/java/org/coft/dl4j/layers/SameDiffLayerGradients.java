package org.coft.dl4j.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * The workaround for a DL4J 1.0.0-M2.1 bug: a hidden {@code SameDiffLayer} receives the gradient of its output
 * twice, so its parameters' gradients and the gradient it passes down are doubled (measured against an equivalent
 * {@code DenseLayer}: exactly 2×; {@code SameDiffLayerGradientsTest}). Its layers return
 * {@code 0.5·y + 0.5·stopGradient(y)}: the same forward value (exactly: halving and doubling are exact in binary
 * floating point), half the gradient. Not for {@code SameDiffOutputLayer}, which is right.
 */
public final class SameDiffLayerGradients {
    private SameDiffLayerGradients() {
    }

    /** {@code y} unchanged forward, half its gradient backward; named {@code name}. */
    public static SDVariable halveBackward(SameDiff sd, String name, SDVariable y) {
        SDVariable held = new StopGradient(sd, y).outputVariable();
        return y.mul(0.5).add(name, held.mul(0.5));
    }
}
