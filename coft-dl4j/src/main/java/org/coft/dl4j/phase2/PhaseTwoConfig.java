package org.coft.dl4j.phase2;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import org.coft.datavec.augment.AugmentationConfig;

/**
 * Settings of CoFT Phase II (one JSON-readable record; every field has a default, see {@link #defaults()}). Fields
 * marked (ours) are choices where the paper is silent.
 *
 * @param filter        which pseudo labels are kept ({@link Filter#CROSS}: CoFT's collaborative filtering)
 * @param cleanSets     how the two clean sets are used ({@link CleanSets#UNION}) (ours, measured)
 * @param head          initial linear head ({@link Head#TEXT}: the class text embeddings, i.e. zero-shot at step 0)
 * @param epochs        passes over the training images (2) (ours: CPU budget; the paper fine-tunes longer)
 * @param batchSize     images per step (64) (ours)
 * @param learningRate  Adam, cosine-decayed to 0 (1e-4) (ours)
 * @param weightDecay   L2 weight decay added to the gradients (0)
 * @param cropScaleMin  random resized crop: smallest area fraction (0.5) (ours: small images)
 * @param flip          horizontal flip probability (0: digits and clothes have a handedness) (ours)
 * @param gamma         weight γ of CoFT+'s momentum contrastive term (0 = off: plain CoFT)
 * @param tauCont       its temperature τ′ (0.07, MoCo v1)
 * @param momentum      the key encoder's EMA momentum μ (0.99) (ours: runs are a few hundred steps; MoCo's 0.999
 *                      assumes hundreds of thousands)
 * @param queueSize     negative keys in the queue (1024) (ours: MoCo's 65,536 exceeds our datasets)
 * @param scoreBatch    images per forward when classifying (256)
 * @param microBatch    memory-aware batching: images per forward/backward pass, gradients of a batch's passes added
 *                      up exactly (same result as whole batches, lower peak memory); 0 = whole batches
 */
public record PhaseTwoConfig(Filter filter, CleanSets cleanSets, Head head, int epochs, int batchSize,
                             double learningRate, double weightDecay, double cropScaleMin, double flip, double gamma,
                             double tauCont, double momentum, int queueSize, int scoreBatch, int microBatch) {

    /** Which pseudo labels Phase II trains on. */
    public enum Filter {
        /** CoFT: A's label kept iff B's s⁺ > s⁻ for it, and symmetrically. */
        CROSS,
        /** Ablation: each model validates its own labels with its own negative prompt. */
        SELF,
        /** Ablation without negative prompts (single-prompt filtering): a label is kept iff both models predict it. */
        AGREEMENT,
        /** Ablation: every image with its model's label. */
        NONE
    }

    /** How the two clean sets (A's kept labels, B's kept labels) train Phase II networks. */
    public enum CleanSets {
        /** One network on the union; an image whose two kept labels disagree is left out. */
        UNION,
        /** One network per set; the classifier averages their probabilities. */
        ENSEMBLE
    }

    /** Initial head. */
    public enum Head { TEXT, RANDOM }

    public PhaseTwoConfig {
        filter = filter == null ? Filter.CROSS : filter;
        cleanSets = cleanSets == null ? CleanSets.UNION : cleanSets;
        head = head == null ? Head.TEXT : head;
        require(epochs >= 1, "epochs", epochs, "at least 1");
        require(batchSize >= 2, "batchSize", batchSize, "at least 2");
        require(learningRate > 0, "learningRate", learningRate, "positive");
        require(weightDecay >= 0, "weightDecay", weightDecay, "non-negative");
        require(cropScaleMin > 0 && cropScaleMin <= 1, "cropScaleMin", cropScaleMin, "in (0, 1]");
        require(flip >= 0 && flip <= 1, "flip", flip, "in [0, 1]");
        require(gamma >= 0, "gamma", gamma, "non-negative");
        require(tauCont > 0, "tauCont", tauCont, "positive");
        require(momentum >= 0 && momentum < 1, "momentum", momentum, "in [0, 1)");
        require(queueSize >= 1, "queueSize", queueSize, "at least 1");
        require(scoreBatch >= 1, "scoreBatch", scoreBatch, "at least 1");
        require(microBatch >= 0, "microBatch", microBatch, "0 (whole batches) or positive");
    }

    private static void require(boolean ok, String field, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("config field 'phase2." + field + "' = " + value + ": expected "
                    + expected);
        }
    }

    /** CoFT's Phase II defaults (no contrastive term). */
    public static PhaseTwoConfig defaults() {
        return new PhaseTwoConfig(Filter.CROSS, CleanSets.UNION, Head.TEXT, 2, 64, 1e-4, 0.0, 0.5, 0.0, 0.0, 0.07, 0.99,
                1024, 256, 0);
    }

    /** CoFT+'s Phase II: the defaults with the momentum contrastive term (γ = 0.5) (ours). */
    public static PhaseTwoConfig plus() {
        return defaults().withGamma(0.5);
    }

    public PhaseTwoConfig withGamma(double g) {
        return new PhaseTwoConfig(filter, cleanSets, head, epochs, batchSize, learningRate, weightDecay, cropScaleMin,
                flip, g, tauCont, momentum, queueSize, scoreBatch, microBatch);
    }

    public PhaseTwoConfig withFilter(Filter f, CleanSets c) {
        return new PhaseTwoConfig(f, c, head, epochs, batchSize, learningRate, weightDecay, cropScaleMin, flip, gamma,
                tauCont, momentum, queueSize, scoreBatch, microBatch);
    }

    public PhaseTwoConfig withMicroBatch(int m) {
        return new PhaseTwoConfig(filter, cleanSets, head, epochs, batchSize, learningRate, weightDecay, cropScaleMin,
                flip, gamma, tauCont, momentum, queueSize, scoreBatch, m);
    }

    public PhaseTwoConfig withTraining(int e, int batch, double lr) {
        return new PhaseTwoConfig(filter, cleanSets, head, e, batch, lr, weightDecay, cropScaleMin, flip, gamma,
                tauCont, momentum, queueSize, scoreBatch, microBatch);
    }

    /** Whether Phase II has the contrastive term (then it also trains on images without a kept label). */
    public boolean contrastive() {
        return gamma > 0;
    }

    /** The training augmentation: random resized crop (scale [cropScaleMin, 1], ratio 3/4..4/3) and flips. */
    public AugmentationConfig augmentation() {
        return new AugmentationConfig(true, cropScaleMin, 1.0, 3.0 / 4.0, 4.0 / 3.0, flip, 0, 0, 0, 0);
    }

    static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public String toJson() {
        try {
            return mapper().writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
