package org.coft.dl4j.train;

import java.io.PrintWriter;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Prints a line every {@code every} steps and at the end of each epoch: step, epoch, loss terms, speed.
 *
 * <p>Also a DL4J listener ({@code graph.setListeners(...)}: a line every {@code every} iterations with DL4J's
 * score and epoch) and an ND4J one for SameDiff's {@code fit} ({@code sd.addListeners(...)}:
 * a line every {@code every} iterations with the loss SameDiff reports — 0 in M2.1, see FACTS.md).
 */
public final class ProgressListener extends BaseCoftListener {
    private final PrintWriter out;
    private final int every;
    private long start;
    private int firstStep;
    private long externalStart;
    private int externalFirst = -1;

    private final String l1Name;
    private final String l2Name;

    public ProgressListener(PrintWriter out, int every) {
        this(out, every, "L1", "L2");
    }

    /** With names for the two loss terms (Phase II: "CE", "contrastive"). */
    public ProgressListener(PrintWriter out, int every, String l1Name, String l2Name) {
        this.out = out;
        this.every = Math.max(1, every);
        this.l1Name = l1Name;
        this.l2Name = l2Name;
    }

    @Override
    public void onStart(String model, int startStep, int totalSteps) {
        start = System.nanoTime();
        firstStep = startStep;
        out.printf("model %s: %s at step %d of %d%n", model, startStep == 0 ? "training" : "resuming", startStep,
                totalSteps);
        out.flush();
    }

    @Override
    public void onStep(StepInfo s) {
        if (s.step() % every == 0 || s.step() == s.totalSteps()) {
            double sec = (System.nanoTime() - start) / 1e9;
            out.printf("model %s step %d/%d epoch %d/%d loss %.4f (%s %.4f, %s %.4f) lr %.2e  %.1f steps/s%n",
                    s.model(), s.step(), s.totalSteps(), s.epoch() + 1, s.epochs(), s.loss(), l1Name, s.l1(), l2Name, s.l2(),
                    s.learningRate(), (s.step() - firstStep) / Math.max(sec, 1e-9));
            out.flush();
        }
    }

    /** Iterations per second since this listener first saw an iteration of a DL4J or SameDiff fit. */
    private double externalRate(int iteration) {
        if (externalFirst < 0) {
            externalFirst = iteration;
            externalStart = System.nanoTime();
        }
        double sec = (System.nanoTime() - externalStart) / 1e9;
        return (iteration - externalFirst) / Math.max(sec, 1e-9);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        double rate = externalRate(iteration);
        if ((iteration + 1) % every == 0) {
            out.printf("%s iteration %d epoch %d score %.4f  %.1f iterations/s%n", model.getClass().getSimpleName(),
                    iteration + 1, epoch + 1, model.score(), rate);
            out.flush();
        }
    }

    @Override
    public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
        double rate = externalRate(at.iteration());
        if ((at.iteration() + 1) % every == 0) {
            out.printf("SameDiff iteration %d epoch %d loss %.4f  %.1f iterations/s%n", at.iteration() + 1,
                    at.epoch() + 1, loss == null ? Double.NaN : loss.totalLoss(), rate);
            out.flush();
        }
    }
}
