package org.coft.dl4j.train;

import java.io.PrintWriter;

/** Prints a line every {@code every} steps and at the end of each epoch: step, epoch, loss terms, speed. */
public final class ProgressListener implements TrainingListener {
    private final PrintWriter out;
    private final int every;
    private long start;
    private int firstStep;

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
}
