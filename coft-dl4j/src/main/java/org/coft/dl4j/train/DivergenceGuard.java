package org.coft.dl4j.train;

import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Stops training at the first step whose loss or gradient is NaN or infinite, before that step is applied, so
 * parameters and the last checkpoint stay as they were. The message names the model, step, loss terms and the
 * offending parameter.
 *
 * <p>Also a DL4J listener ({@code graph.setListeners(new DivergenceGuard())}): after DL4J computed a step's
 * gradients and score, before its updater changes the parameters; and an ND4J one ({@code sd.addListeners}): each
 * update SameDiff's {@code fit} is about to apply (SameDiff applies the updates of one step variable by variable, so
 * the variables updated before the non-finite one keep that step).
 */
public final class DivergenceGuard extends BaseCoftListener {
    private int dl4jIterations;

    @Override
    public void onGradients(StepInfo s, Map<String, INDArray> gradients) {
        if (!Double.isFinite(s.loss()) || !Double.isFinite(s.l1()) || !Double.isFinite(s.l2())) {
            throw new DivergenceException(String.format("model %s diverged at step %d (epoch %d): loss %s (L1 %s, L2 %s)"
                    + "; the step was not applied — lower the learning rate or resume from the last checkpoint",
                    s.model(), s.step(), s.epoch(), s.loss(), s.l1(), s.l2()));
        }
        for (Map.Entry<String, INDArray> g : gradients.entrySet()) {
            if (!finite(g.getValue())) {
                throw new DivergenceException(String.format("model %s diverged at step %d (epoch %d): gradient of '%s' "
                        + "is not finite (loss %.6g); the step was not applied", s.model(), s.step(), s.epoch(),
                        g.getKey(), s.loss()));
            }
        }
    }

    private static boolean finite(INDArray a) {
        return Double.isFinite(a.sumNumber().doubleValue()) && Double.isFinite(a.amaxNumber().doubleValue());
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        dl4jIterations = iteration + 1;
    }

    @Override
    public void onGradientCalculation(Model model) {
        double score = model.score();
        String what = model.getClass().getSimpleName();
        if (!Double.isFinite(score)) {
            throw new DivergenceException(String.format("%s diverged at iteration %d: score %s; the step was not "
                    + "applied — lower the learning rate", what, dl4jIterations, score));
        }
        Gradient g = model.gradient();
        if (g != null) {
            for (Map.Entry<String, INDArray> e : g.gradientForVariable().entrySet()) {
                if (!finite(e.getValue())) {
                    throw new DivergenceException(String.format("%s diverged at iteration %d: gradient of '%s' is not "
                            + "finite (score %.6g); the step was not applied", what, dl4jIterations, e.getKey(), score));
                }
            }
        }
    }

    @Override
    public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
        if (loss != null && !Double.isFinite(loss.totalLoss())) {
            throw new DivergenceException(String.format("SameDiff fit diverged at iteration %d (epoch %d): loss %s",
                    at.iteration(), at.epoch(), loss.totalLoss()));
        }
    }

    @Override
    public void preUpdate(SameDiff sd, At at, Variable v, INDArray update) {
        if (!finite(update)) {
            throw new DivergenceException(String.format("SameDiff fit diverged at iteration %d (epoch %d): the update "
                    + "of '%s' is not finite; it was not applied", at.iteration(), at.epoch(), v.getName()));
        }
    }
}
