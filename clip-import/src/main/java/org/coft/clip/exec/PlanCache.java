package org.coft.clip.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link StaticExecutor} plans of one graph and one list of outputs, one per placeholder shape (a training loop
 * sees two: full batches and the last, smaller one), the least recently used closed beyond {@code capacity}.
 *
 * <p>{@link #run} returns the plan's own arrays, overwritten by the next call with the same shapes: callers that keep
 * a result copy it, or call {@link #output}, which copies, and which (like every user of a cache) honours
 * {@link #staticPlans()}: with the system property {@value #PROPERTY}{@code =samediff} SameDiff's own execution runs
 * instead (the reference the plans are tested against; also a way around a graph a plan refuses).
 */
public final class PlanCache implements AutoCloseable {
    /** System property choosing the executor: {@code static} (default) or {@code samediff}. */
    public static final String PROPERTY = "coft.exec";

    private final SameDiff sd;
    private final List<String> outputs;
    private final int capacity;
    private final LinkedHashMap<String, StaticExecutor> plans = new LinkedHashMap<>(4, 0.75f, true);

    public PlanCache(SameDiff sd, List<String> outputs, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("plan cache capacity must be at least 1, got " + capacity);
        }
        this.sd = sd;
        this.outputs = List.copyOf(outputs);
        this.capacity = capacity;
    }

    /** True unless {@value #PROPERTY}{@code =samediff}. */
    public static boolean staticPlans() {
        String v = System.getProperty(PROPERTY, "static");
        if (v.equals("static")) {
            return true;
        }
        if (v.equals("samediff")) {
            return false;
        }
        throw new IllegalArgumentException("system property " + PROPERTY + " is '" + v + "'; expected static or samediff");
    }

    /** The outputs for these placeholder values (see the class comment for who owns the arrays). */
    public Map<String, INDArray> run(Map<String, INDArray> placeholders) {
        String key = key(placeholders);
        StaticExecutor plan = plans.get(key);
        if (plan == null) {
            plan = StaticExecutor.plan(sd, placeholders, outputs);
            plans.put(key, plan);
            if (plans.size() > capacity) {
                Iterator<Map.Entry<String, StaticExecutor>> it = plans.entrySet().iterator();
                it.next().getValue().close();
                it.remove();
            }
        }
        return plan.run(placeholders);
    }

    /**
     * The outputs as arrays the caller owns: copies of a plan's outputs, or SameDiff's own results with
     * {@value #PROPERTY}{@code =samediff}.
     */
    public Map<String, INDArray> output(Map<String, INDArray> placeholders) {
        if (!staticPlans()) {
            return sd.output(placeholders, outputs.toArray(new String[0]));
        }
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : run(placeholders).entrySet()) {
            out.put(e.getKey(), e.getValue().dup());
        }
        return out;
    }

    /**
     * Runs the most recently used plan again on the inputs of its last call with each op timed (see
     * {@link StaticExecutor#profileAgain}).
     *
     * @throws IllegalStateException when no plan has run yet
     */
    public Map<String, double[]> profileLast(boolean byShape) {
        List<StaticExecutor> all = plans();
        if (all.isEmpty()) {
            throw new IllegalStateException("no plan has run yet");
        }
        return all.get(all.size() - 1).profileAgain(byShape);
    }

    /** The cached plans (most recently used last). */
    public List<StaticExecutor> plans() {
        return new ArrayList<>(plans.values());
    }

    /** Closes every plan (their memory goes back with the next collection); the cache stays usable. */
    @Override
    public void close() {
        for (StaticExecutor p : plans.values()) {
            p.close();
        }
        plans.clear();
    }

    private static String key(Map<String, INDArray> placeholders) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, INDArray> e : new TreeMap<>(placeholders).entrySet()) {
            INDArray a = e.getValue();
            sb.append(e.getKey()).append(':').append(a.dataType()).append(Arrays.toString(a.shape())).append(';');
        }
        return sb.toString();
    }
}
