package org.coft.dl4j.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * CoFT's dual-prompt head and Phase I losses as a SameDiff layer (arXiv 2602.04337, §3.2).
 * <ul>
 *   <li>similarities {@code s⁺ = cos(f, t⁺_c)}, {@code s⁻ = cos(f, t⁻_c)} [batch, classes];</li>
 *   <li>logits {@code scale · s⁺} (CLIP's logit scale);</li>
 *   <li>cleanliness {@code p_clean(c) = sigmoid((s⁺_c − s⁻_c) / τ)};</li>
 *   <li>{@code L1 = CE(scale · s⁺, y)}; {@code L2 = −[log p_clean(y) + log(1 − p_clean(ŷ))]} with ŷ a random
 *   complement label (computed as softplus terms, stable for large |s⁺ − s⁻| / τ); loss {@code L1 + λ·L2},
 *   both averaged over the batch.</li>
 * </ul>
 * With {@code l2ToVisual = false} L2 sees the image features through a stop-gradient, so only the prompts learn
 * from it and the visual modules learn from L1 alone.
 */
public final class DualPromptHead {
    public static final String LOGITS = "logits_pos";
    public static final String S_POS = "s_pos";
    public static final String S_NEG = "s_neg";
    public static final String P_CLEAN = "p_clean";
    public static final String L1 = "loss_l1";
    public static final String L2 = "loss_l2";
    public static final String LOSS = "loss";

    private DualPromptHead() {
    }

    /** Row-wise L2 normalisation. */
    public static SDVariable normalize(SDVariable x) {
        return x.div(x.norm2(true, 1));
    }

    /**
     * Row-wise log-softmax as x − max − log Σ exp(x − max) (SameDiff's logSoftmax with an axis fails to build in
     * M2.1); the max is held out of the gradient, which it does not change.
     */
    public static SDVariable logSoftmax(SameDiff sd, SDVariable x) {
        SDVariable shifted = x.sub(new StopGradient(sd, x.max(true, 1)).outputVariable());
        return shifted.sub(sd.math.log(sd.math.exp(shifted).sum(true, 1)));
    }

    /**
     * Defines the head and the losses under the global names above ({@link #LOSS} etc.; one head per graph). Losses
     * are batch means.
     *
     * @param image      image features [batch, embed] (unnormalised)
     * @param textPos    positive class features [classes, embed] (unnormalised)
     * @param textNeg    negative class features, or null for a single-prompt head (then L = L1; UPL/CoOp)
     * @param labels     one-hot pseudo labels [batch, classes] (placeholder)
     * @param complement one-hot random complement labels [batch, classes] (placeholder; unused without textNeg)
     */
    public static SDVariable define(SameDiff sd, SDVariable image, SDVariable textPos, SDVariable textNeg,
                                    SDVariable labels, SDVariable complement, double logitScale, double tau,
                                    double lambda, boolean l2ToVisual) {
        return define(sd, "", image, textPos, textNeg, labels, complement, logitScale, tau, lambda, l2ToVisual, false);
    }

    /**
     * Defines the head and the losses with every variable it names under {@code name} ({@code name + "/" + }
     * {@link #LOSS}, {@link #P_CLEAN}, …; the global names when {@code name} is empty), so several heads can share
     * one graph.
     *
     * @param sumOverBatch losses summed over the batch instead of averaged (DL4J's output layers: DL4J divides the
     *                     gradient and the score by the batch size itself)
     * @see #name(String, String)
     */
    public static SDVariable define(SameDiff sd, String name, SDVariable image, SDVariable textPos,
                                    SDVariable textNeg, SDVariable labels, SDVariable complement, double logitScale,
                                    double tau, double lambda, boolean l2ToVisual, boolean sumOverBatch) {
        SDVariable f = normalize(image);
        SDVariable tp = normalize(textPos);
        SDVariable sPos = sd.mmul(name(name, S_POS), f, tp, false, true, false);
        SDVariable logits = sPos.mul(name(name, LOGITS), logitScale);
        SDVariable l1 = reduce(labels.mul(logSoftmax(sd, logits)).sum(1), sumOverBatch).neg(name(name, L1));
        if (textNeg == null) {
            return l1.add(name(name, LOSS), 0.0);
        }
        SDVariable tn = normalize(textNeg);
        SDVariable sNeg = sd.mmul(name(name, S_NEG), f, tn, false, true, false);
        sd.nn.sigmoid(name(name, P_CLEAN), sPos.sub(sNeg).div(tau));
        SDVariable fl2 = l2ToVisual ? f : new StopGradient(sd, f).outputVariable();
        SDVariable d = sd.mmul(fl2, tp, false, true, false).sub(sd.mmul(fl2, tn, false, true, false)).div(tau);
        SDVariable dy = d.mul(labels).sum(1);
        SDVariable dc = d.mul(complement).sum(1);
        SDVariable l2 = reduce(sd.nn.softplus(dy.neg()).add(sd.nn.softplus(dc)), sumOverBatch).rename(name(name, L2));
        return l1.add(name(name, LOSS), l2.mul(lambda));
    }

    /** The graph name of the head's variable {@code variable} ({@link #LOSS}, {@link #P_CLEAN}, …) under {@code head}. */
    public static String name(String head, String variable) {
        return head.isEmpty() ? variable : head + "/" + variable;
    }

    private static SDVariable reduce(SDVariable perExample, boolean sum) {
        return sum ? perExample.sum() : perExample.mean();
    }
}
