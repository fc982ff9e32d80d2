package org.coft.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
 * {@code coft bench --profile}: time per SameDiff op during one forward, through a listener attached for that
 * forward only, grouped by op name and by op name and output shape. Two clocks: wall time, and the CPU time of
 * the calling thread — with one thread that thread does all of an op's work (OpenMP and BLAS run in it), so
 * the CPU column is the op's cost without the other processes' share of the machine; with more threads it
 * counts only the calling thread's part. SameDiff's bookkeeping between ops is in neither column.
 */
final class BenchProfile {
    /** Totals of one op name, or of one op name and output shape. */
    record Entry(String op, int calls, double wall, double cpu, String shape) {
        Entry plus(Entry o) {
            return new Entry(op, calls + o.calls, wall + o.wall, cpu + o.cpu, shape);
        }
    }

    /** A profiled forward: totals by op name and by op name and output shape, largest CPU time first. */
    record Result(List<Entry> byOp, List<Entry> byOpAndShape, Entry total, double forwardWall, boolean staticPlans) { }

    Result profile(ClipTower tower, BenchCommand.Forward forward) throws Exception {
        if (org.coft.clip.exec.PlanCache.staticPlans()) {
            return staticProfile(tower, forward);
        }
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
        List<Entry> byShape = new ArrayList<>();
        for (Map.Entry<List<String>, double[]> e : timer.totals.entrySet()) {
            double[] v = e.getValue();
            byShape.add(new Entry(e.getKey().get(0), (int) v[2], v[0], v[1], e.getKey().get(1)));
        }
        return result(byShape, Comparator.comparingDouble(Entry::cpu).reversed(), wall, false);
    }

    /** Totals per op type and overall of the per-(op, shape) entries, each list sorted largest first. */
    private static Result result(List<Entry> byShape, Comparator<Entry> largest, double wall, boolean staticPlan) {
        Map<String, Entry> byOp = new HashMap<>();
        Entry total = new Entry("all ops", 0, 0, 0, "");
        for (Entry entry : byShape) {
            byOp.merge(entry.op(), new Entry(entry.op(), entry.calls(), entry.wall(), entry.cpu(), ""), Entry::plus);
            total = total.plus(entry);
        }
        List<Entry> ops = new ArrayList<>(byOp.values());
        ops.sort(largest);
        byShape.sort(largest);
        return new Result(ops, byShape, total, wall, staticPlan);
    }

    /**
     * Under static plans (the default) the forward runs the tower's plan, not SameDiff's session, so a SameDiff
     * listener sees no op: the plan of the forward is run once more with every op timed instead (wall time per op;
     * the CPU columns repeat it).
     */
    private Result staticProfile(ClipTower tower, BenchCommand.Forward forward) throws Exception {
        long t0 = System.nanoTime();
        forward.run();
        double wall = (System.nanoTime() - t0) / 1e9;
        return fromPlan(tower.graph().profileLastRun(true), wall);
    }

    /** A static plan's per-op times (op and input shapes → {ms, calls}) as a result; {@code wall}: the run's seconds. */
    static Result fromPlan(Map<String, double[]> profile, double wall) {
        List<Entry> byShape = new ArrayList<>();
        for (Map.Entry<String, double[]> e : profile.entrySet()) {
            String key = e.getKey();
            int space = key.indexOf(' ');
            String op = space < 0 ? key : key.substring(0, space);
            double s = e.getValue()[0] / 1e3;
            byShape.add(new Entry(op, (int) e.getValue()[1], s, s, space < 0 ? "" : key.substring(space + 1)));
        }
        return result(byShape, Comparator.comparingDouble(Entry::wall).reversed(), wall, true);
    }

    /** Prints a result's totals and its {@code top} ops, by op and by op and shape, under {@code title}. */
    static void print(java.io.PrintWriter out, String title, Result r, int top) {
        Entry all = r.total();
        out.println();
        out.printf(java.util.Locale.ROOT, "%s, %d ops; %.3f s wall in ops, %.3f s wall; %s%n", title, all.calls(),
                all.wall(), r.forwardWall(), r.staticPlans()
                        ? "static plan timed op by op (CPU columns = wall; input shapes below)"
                        : String.format(java.util.Locale.ROOT, "%.3f s CPU of the calling thread in ops", all.cpu()));
        out.printf(java.util.Locale.ROOT, "  %-22s %6s %9s %9s %7s%n", "op", "calls", "wall s", "CPU s", "CPU %");
        for (Entry e : r.byOp().subList(0, Math.min(top, r.byOp().size()))) {
            out.printf(java.util.Locale.ROOT, "  %-22s %6d %9.4f %9.4f %6.1f%%%n", e.op(), e.calls(), e.wall(),
                    e.cpu(), 100 * e.cpu() / all.cpu());
        }
        out.println(r.staticPlans() ? "  by op and input shapes:" : "  by op and output shape:");
        for (Entry e : r.byOpAndShape().subList(0, Math.min(top, r.byOpAndShape().size()))) {
            out.printf(java.util.Locale.ROOT, "  %-22s %6d %9.4f %9.4f %6.1f%%  %s%n", e.op(), e.calls(), e.wall(),
                    e.cpu(), 100 * e.cpu() / all.cpu(), e.shape());
        }
    }

    private static final class Timer extends BaseListener {
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final Map<List<String>, double[]> totals = new HashMap<>();
        private long wall0;
        private long cpu0;

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
            wall0 = System.nanoTime();
            cpu0 = threads.getCurrentThreadCpuTime();
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                                INDArray[] outputs) {
            double wall = (System.nanoTime() - wall0) / 1e9;
            double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
            String shape = outputs != null && outputs.length > 0 && outputs[0] != null
                    ? Arrays.toString(outputs[0].shape()) : "?";
            double[] t = totals.computeIfAbsent(List.of(op.getOp().opName(), shape), k -> new double[3]);
            t[0] += wall;
            t[1] += cpu;
            t[2] += 1;
        }
    }
}
