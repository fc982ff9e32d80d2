package org.coft.dl4j.train;

import org.nd4j.linalg.schedule.ISchedule;

/** Cosine decay from {@code base} at iteration 0 to 0 at {@code total} (CoOp's schedule, per step). */
public final class CosineSchedule implements ISchedule {
    private final double base;
    private final int total;

    public CosineSchedule(double base, int total) {
        this.base = base;
        this.total = Math.max(1, total);
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double t = Math.min(1.0, iteration / (double) total);
        return base * 0.5 * (1 + Math.cos(Math.PI * t));
    }

    @Override
    public ISchedule clone() {
        return new CosineSchedule(base, total);
    }
}
