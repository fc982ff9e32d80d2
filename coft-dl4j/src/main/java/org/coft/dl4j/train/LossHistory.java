package org.coft.dl4j.train;

import java.util.ArrayList;
import java.util.List;

/** Records the loss terms of every step (per model), e.g. to write a CSV or to compare runs. */
public final class LossHistory implements TrainingListener {
    /** One step's terms. */
    public record Entry(String model, int step, int epoch, double loss, double l1, double l2, double lr) { }

    private final List<Entry> entries = new ArrayList<>();

    @Override
    public synchronized void onStep(StepInfo s) {
        entries.add(new Entry(s.model(), s.step(), s.epoch(), s.loss(), s.l1(), s.l2(), s.learningRate()));
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** CSV with a header: model,step,epoch,loss,l1,l2,lr. */
    public synchronized String toCsv() {
        StringBuilder sb = new StringBuilder("model,step,epoch,loss,l1,l2,lr\n");
        for (Entry e : entries) {
            sb.append(String.format("%s,%d,%d,%.6f,%.6f,%.6f,%.6g%n", e.model(), e.step(), e.epoch(), e.loss(), e.l1(),
                    e.l2(), e.lr()));
        }
        return sb.toString();
    }
}
