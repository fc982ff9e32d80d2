package org.coft.dl4j.train;

import java.io.PrintWriter;

/** Prints a line every {@code every} steps and at the end of each epoch: step, epoch, loss terms, speed. */
public final class ProgressListener implements TrainingListener {
    private final PrintWriter out;
    private final int every;
    private long start;
    private int firstStep;

    public ProgressListener(PrintWriter out, int every) {
        this.out = out;
        this.every = Math.max(1, every);
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
            out.printf("model %s step %d/%d epoch %d/%d loss %.4f (L1 %.4f, L2 %.4f) lr %.2e  %.1f steps/s%n",
                    s.model(), s.step(), s.totalSteps(), s.epoch() + 1, s.epochs(), s.loss(), s.l1(), s.l2(),
                    s.learningRate(), (s.step() - firstStep) / Math.max(sec, 1e-9));
            out.flush();
        }
    }
}
