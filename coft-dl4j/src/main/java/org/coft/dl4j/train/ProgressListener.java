package org.coft.dl4j.train;

import java.io.PrintWriter;
import java.util.function.Consumer;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Reports a line every {@code every} steps and at the end of each epoch: step, epoch, loss terms, speed.
 *
 * <p>Also a DL4J listener ({@code graph.setListeners(...)}: a line every {@code every} iterations with DL4J's
 * score and epoch) and an ND4J one for SameDiff's {@code fit} ({@code sd.addListeners(...)}:
 * a line every {@code every} iterations with the loss SameDiff reports — 0 in M2.1, see FACTS.md).
 *
 * <p>Lines go to SLF4J ({@code org.coft.dl4j.train.ProgressListener}, INFO) unless a writer is given.
 */
public final class ProgressListener extends BaseCoftListener {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProgressListener.class);

    private final Consumer<String> out;
    private final int every;
    private long start;
    private int firstStep;
    private long externalStart;
    private int externalFirst = -1;

    private final String l1Name;
    private final String l2Name;

    /** A line every {@code every} steps to SLF4J. */
    public ProgressListener(int every) {
        this(every, "L1", "L2");
    }

    /** With names for the two loss terms (Phase II: "CE", "contrastive"). */
    public ProgressListener(int every, String l1Name, String l2Name) {
        this(LOG::info, every, l1Name, l2Name);
    }

    /** A line every {@code every} steps to {@code out}. */
    public ProgressListener(PrintWriter out, int every) {
        this(out, every, "L1", "L2");
    }

    /** To {@code out}, with names for the two loss terms. */
    public ProgressListener(PrintWriter out, int every, String l1Name, String l2Name) {
        this(line -> {
            out.println(line);
            }, every, l1Name, l2Name);
    }

    private ProgressListener(Consumer<String> out, int every, String l1Name, String l2Name) {
        this.out = out;
        this.every = Math.max(1, every);
        this.l1Name = l1Name;
        this.l2Name = l2Name;
    }

    @Override
    public void onStart(String model, int startStep, int totalSteps) {
        start = System.nanoTime();
        firstStep = startStep;
        out.accept(String.format("model %s: %s at step %d of %d", model, startStep == 0 ? "training" : "resuming",
                startStep, totalSteps));
    }

    @Override
    public void onStep(StepInfo s) {
        if (s.step() % every == 0 || s.step() == s.totalSteps()) {
            double sec = (System.nanoTime() - start) / 1e9;
            out.accept(String.format("model %s step %d/%d epoch %d/%d loss %.4f (%s %.4f, %s %.4f) lr %.2e  %.1f "
                    + "steps/s", s.model(), s.step(), s.totalSteps(), s.epoch() + 1, s.epochs(), s.loss(), l1Name,
                    s.l1(), l2Name, s.l2(), s.learningRate(), (s.step() - firstStep) / Math.max(sec, 1e-9)));
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
            out.accept(String.format("%s iteration %d epoch %d score %.4f  %.1f iterations/s",
                    model.getClass().getSimpleName(), iteration + 1, epoch + 1, model.score(), rate));
        }
    }

    @Override
    public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
        double rate = externalRate(at.iteration());
        if ((at.iteration() + 1) % every == 0) {
            out.accept(String.format("SameDiff iteration %d epoch %d loss %.4f  %.1f iterations/s", at.iteration() + 1,
                    at.epoch() + 1, loss == null ? Double.NaN : loss.totalLoss(), rate));
        }
    }
}
