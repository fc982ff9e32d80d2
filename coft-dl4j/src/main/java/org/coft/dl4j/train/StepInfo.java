package org.coft.dl4j.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One training step, as listeners see it.
 *
 * @param model        which model (e.g. "A", "B")
 * @param epoch        0-based epoch
 * @param epochs       epochs in the run
 * @param step         1-based global step
 * @param totalSteps   steps in the run
 * @param loss         total loss
 * @param l1           cross-entropy term
 * @param l2           negative-prompt term (0 without a negative prompt)
 * @param learningRate learning rate used for this step
 * @param exampleIds   ids of the batch's examples
 * @param labels       the batch's pseudo labels
 * @param pCleanOfLabel p_clean of each example's pseudo label [batch] (null without a negative prompt)
 */
public record StepInfo(String model, int epoch, int epochs, int step, int totalSteps, double loss, double l1, double l2,
                       double learningRate, java.util.List<String> exampleIds, int[] labels, INDArray pCleanOfLabel) { }
