package org.coft.dl4j.phase2;

import org.coft.dl4j.layers.DualPromptHead;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * MoCo's InfoNCE loss as a SameDiff layer (CoFT+'s {@code L_cont}): for query features q (one augmented view,
 * through the trained encoder), positive keys k (the other view, through the momentum encoder; no gradient) and
 * the queue's negative keys n_j, all L2-normalised,
 * {@code L = mean over the batch of −log( exp(q·k/τ′) / (exp(q·k/τ′) + Σ_j exp(q·n_j/τ′)) )}.
 */
public final class ContrastiveLoss {
    public static final String LOSS = "loss_cont";

    private ContrastiveLoss() {
    }

    /**
     * @param query     query features [batch, dim] (unnormalised; gradients flow)
     * @param positive  positive keys [batch, dim] (placeholder or constant: unnormalised, no gradient)
     * @param negatives queue keys [queue, dim] (placeholder or constant: unnormalised, no gradient)
     * @param tau       temperature τ′ (0.07 in MoCo v1 … 0.2 in v2)
     */
    public static SDVariable define(SameDiff sd, SDVariable query, SDVariable positive, SDVariable negatives,
                                    double tau) {
        return perSample(sd, query, positive, negatives, tau).mean().rename(LOSS);
    }

    /** The per-sample terms {@code −log(...)} [batch, 1] of {@link #define} (their mean is the loss). */
    public static SDVariable perSample(SameDiff sd, SDVariable query, SDVariable positive, SDVariable negatives,
                                       double tau) {
        if (!(tau > 0)) {
            throw new IllegalArgumentException("contrastive temperature must be positive, got " + tau);
        }
        SDVariable q = DualPromptHead.normalize(query);
        SDVariable k = DualPromptHead.normalize(positive);
        SDVariable n = DualPromptHead.normalize(negatives);
        SDVariable pos = q.mul(k).sum(true, 1);
        SDVariable neg = sd.mmul(q, n, false, true, false);
        SDVariable logits = sd.concat(1, pos, neg).div(tau);
        SDVariable logp = DualPromptHead.logSoftmax(sd, logits);
        return logp.get(SDIndex.all(), SDIndex.interval(0, 1)).neg();
    }
}
