package org.coft.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.model.ClipTower;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * {@code coft bench --profile}: wall time per SameDiff op during one forward, grouped by op name, through a
 * listener attached for that forward only. Times include SameDiff's per-op bookkeeping between the listener's
 * two calls, so they add up to slightly less than the forward's wall time.
 */
final class BenchProfile {
    /** Total time of one op name, or of one op name and output shape. */
    record Entry(String op, int calls, double seconds, String shape) { }

    /** A profiled forward: totals by op name and by op name and output shape, largest first. */
    record Result(List<Entry> byOp, List<Entry> byOpAndShape, int opCount, double opSeconds, double wallSeconds) { }

    Result profile(ClipTower tower, BenchCommand.Forward forward) throws Exception {
        Timer timer = new Timer();
        SameDiff sd = tower.sameDiff();
        List<Listener> before = new ArrayList<>(sd.getListeners());
        sd.addListeners(timer);
        long t0 = System.nanoTime();
        try {
            forward.run();
        } finally {
            sd.setListeners(before);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Map<String, Entry> byOp = new HashMap<>();
        List<Entry> byShape = new ArrayList<>();
        double total = 0;
        int count = 0;
        for (Map.Entry<List<String>, double[]> e : timer.totals.entrySet()) {
            String op = e.getKey().get(0);
            int calls = (int) e.getValue()[1];
            double s = e.getValue()[0];
            byShape.add(new Entry(op, calls, s, e.getKey().get(1)));
            byOp.merge(op, new Entry(op, calls, s, ""), (a, b) -> new Entry(op, a.calls() + b.calls(),
                    a.seconds() + b.seconds(), ""));
            total += s;
            count += calls;
        }
        List<Entry> ops = new ArrayList<>(byOp.values());
        ops.sort(Comparator.comparingDouble(Entry::seconds).reversed());
        byShape.sort(Comparator.comparingDouble(Entry::seconds).reversed());
        return new Result(ops, byShape, count, total, wall);
    }

    private static final class Timer extends BaseListener {
        final Map<List<String>, double[]> totals = new HashMap<>();
        private long start;

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
            start = System.nanoTime();
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                                INDArray[] outputs) {
            double s = (System.nanoTime() - start) / 1e9;
            String shape = outputs != null && outputs.length > 0 && outputs[0] != null
                    ? Arrays.toString(outputs[0].shape()) : "?";
            double[] t = totals.computeIfAbsent(List.of(op.getOp().opName(), shape), k -> new double[2]);
            t[0] += s;
            t[1] += 1;
        }
    }
}
