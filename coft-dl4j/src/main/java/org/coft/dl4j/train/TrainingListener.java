package org.coft.dl4j.train;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Observes a CoFT training loop (our own loop: SameDiff's {@code fit} reports loss 0 in M2.1, see FACTS.md).
 * Called on the training thread, in list order. A listener may throw to stop training; the step whose
 * gradients it saw is then not applied, and no checkpoint is written for it.
 */
public interface TrainingListener {
    /** Before the first step (also when resuming: {@code startStep} > 0). */
    default void onStart(String model, int startStep, int totalSteps) {
    }

    /** After the forward/backward of a step, before the update is applied. Gradients are live arrays. */
    default void onGradients(StepInfo step, Map<String, INDArray> gradients) {
    }

    /** After the update of a step. */
    default void onStep(StepInfo step) {
    }

    /** After a checkpoint was written atomically. */
    default void onCheckpoint(String model, int step, java.nio.file.Path file) {
    }

    /** At the end of an epoch. */
    default void onEpochEnd(String model, int epoch) {
    }

    /** After the last step. */
    default void onEnd(String model) {
    }

    /**
     * Progress of work outside the training steps that touches every image (image features, scoring with a model):
     * {@code done} of {@code total} images of {@code task} (called with 0 before the first batch, after each batch,
     * and with {@code done == total} last).
     */
    default void onProgress(String task, long done, long total) {
    }
}
