package org.coft.dl4j.train;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stops training at the first step whose loss or gradient is NaN or infinite, before that step is applied, so
 * parameters and the last checkpoint stay as they were. The message names the model, step, loss terms and the
 * offending parameter.
 */
public final class DivergenceGuard implements TrainingListener {
    @Override
    public void onGradients(StepInfo s, Map<String, INDArray> gradients) {
        if (!Double.isFinite(s.loss()) || !Double.isFinite(s.l1()) || !Double.isFinite(s.l2())) {
            throw new DivergenceException(String.format("model %s diverged at step %d (epoch %d): loss %s (L1 %s, L2 %s)"
                    + "; the step was not applied — lower the learning rate or resume from the last checkpoint",
                    s.model(), s.step(), s.epoch(), s.loss(), s.l1(), s.l2()));
        }
        for (Map.Entry<String, INDArray> g : gradients.entrySet()) {
            INDArray a = g.getValue();
            double sum = a.sumNumber().doubleValue();
            if (!Double.isFinite(sum) || !Double.isFinite(a.amaxNumber().doubleValue())) {
                throw new DivergenceException(String.format("model %s diverged at step %d (epoch %d): gradient of '%s' "
                        + "is not finite (loss %.6g); the step was not applied", s.model(), s.step(), s.epoch(),
                        g.getKey(), s.loss()));
            }
        }
    }
}
