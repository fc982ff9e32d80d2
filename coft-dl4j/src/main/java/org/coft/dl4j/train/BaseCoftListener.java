package org.coft.dl4j.train;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A CoFT {@link TrainingListener} that also attaches to the training loops of the libraries it builds on: DL4J's
 * {@code ComputationGraph.fit} / {@code MultiLayerNetwork.fit} ({@code setListeners(...)}, as an
 * {@link org.deeplearning4j.optimize.api.TrainingListener}) and SameDiff's {@code sd.fit} ({@code sd.addListeners},
 * as an ND4J {@link org.nd4j.autodiff.listeners.Listener}, active in training). Every hook is a no-op here; a
 * listener overrides the hooks it needs, so our own loops and a user's graph use the same object.
 */
public abstract class BaseCoftListener extends BaseListener
        implements TrainingListener, org.deeplearning4j.optimize.api.TrainingListener {

    @Override
    public boolean isActive(Operation operation) {
        return operation == Operation.TRAINING;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
    }

    @Override
    public void onEpochStart(Model model) {
    }

    @Override
    public void onEpochEnd(Model model) {
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
    }

    @Override
    public void onGradientCalculation(Model model) {
    }

    @Override
    public void onBackwardPass(Model model) {
    }
}
