package org.coft.clip.exec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Loss outputs and parameter gradients of a SameDiff graph with a loss, as static plans of its gradient function
 * (one per placeholder shape, {@link PlanCache}), or through {@code calculateGradientsAndOutputs} with
 * {@code -Dcoft.exec=samediff}. The graph's gradient function must exist ({@code createGradFunction}) before the
 * first {@link #run}.
 */
public final class GradientPlans implements AutoCloseable {
    private final SameDiff sd;
    private final List<String> outputs;
    private final List<String> params;
    private final int capacity;
    private PlanCache plans;

    /** What one call gave: the named outputs and each parameter's gradient (the plan's arrays, see {@link #run}). */
    public record Result(Map<String, INDArray> outputs, Map<String, INDArray> gradients) { }

    /**
     * @param outputs  loss terms (or any variables) to return with the gradients
     * @param params   trainable variables whose gradients are returned, in this order
     * @param capacity placeholder shapes kept planned
     */
    public GradientPlans(SameDiff sd, List<String> outputs, List<String> params, int capacity) {
        this.sd = sd;
        this.outputs = List.copyOf(outputs);
        this.params = List.copyOf(params);
        this.capacity = capacity;
    }

    /**
     * Outputs and gradients for these placeholder values. Under static plans the arrays belong to the plan and are
     * overwritten by the next call with the same shapes: copy what must outlive it.
     */
    public Result run(Map<String, INDArray> placeholders) {
        if (!PlanCache.staticPlans()) {
            var og = sd.calculateGradientsAndOutputs(placeholders, outputs, params);
            return new Result(og.getOutputs(), new LinkedHashMap<>(og.getGradients()));
        }
        if (plans == null) {
            SameDiff grad = sd.getFunction("grad");
            if (grad == null) {
                throw new IllegalStateException("the graph has no gradient function yet (createGradFunction)");
            }
            List<String> planned = new ArrayList<>(outputs);
            for (String p : params) {
                planned.add(sd.getVariable(p).getGradient().name());
            }
            plans = new PlanCache(grad, planned, capacity);
        }
        Map<String, INDArray> o = plans.run(placeholders);
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (String p : params) {
            grads.put(p, o.get(sd.getVariable(p).getGradient().name()));
        }
        return new Result(o, grads);
    }

    /**
     * Per-op times of the last call's plan, run once more op by op (see {@link PlanCache#profileLast}).
     *
     * @throws IllegalStateException without static plans, or before the first call
     */
    public Map<String, double[]> profileLast(boolean byShape) {
        if (plans == null) {
            throw new IllegalStateException("no gradient plan has run yet (static plans: " + PlanCache.staticPlans()
                    + ")");
        }
        return plans.profileLast(byShape);
    }

    /** Frees the plans' arrays; the next call plans again. */
    @Override
    public void close() {
        if (plans != null) {
            plans.close();
            plans = null;
        }
    }
}
