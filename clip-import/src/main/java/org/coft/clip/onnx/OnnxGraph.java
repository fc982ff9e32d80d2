package org.coft.clip.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.exec.PlanCache;
import org.coft.clip.onnx.emit.SameDiffEmitter;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An imported ONNX graph, runnable on ND4J. Inputs and outputs keep their ONNX names; the batch dimension
 * is dynamic. The underlying {@link SameDiff} is exposed for training: floating-point initializers are
 * trainable variables ({@link #weights()}).
 */
public final class OnnxGraph {
    private final String source;
    private final SameDiffEmitter.Emitted emitted;
    private final Map<String, TensorType> inputTypes;
    private final ImportReport report;
    private final org.coft.clip.onnx.ir.IrGraph rewritten;
    private final org.coft.clip.onnx.ops.OpRegistry registry;
    /** Static plans of {@link #run}, by SameDiff output names. */
    private final Map<List<String>, PlanCache> plans = new java.util.HashMap<>();
    private List<String> lastOutputs;

    OnnxGraph(String source, SameDiffEmitter.Emitted emitted, Map<String, TensorType> inputTypes, ImportReport report,
              org.coft.clip.onnx.ir.IrGraph rewritten, org.coft.clip.onnx.ops.OpRegistry registry) {
        this.source = source;
        this.emitted = emitted;
        this.inputTypes = Map.copyOf(inputTypes);
        this.report = report;
        this.rewritten = rewritten;
        this.registry = registry;
    }

    /**
     * Adds this graph to another SameDiff graph as a layer and returns its outputs by ONNX name. Inputs named
     * in {@code inputs} read the caller's variables (so gradients flow into them); the others become
     * placeholders named {@code prefix + name}. Weights are trainable variables holding their own copies when
     * {@code trainable} (training them leaves this graph unchanged), else constants sharing this graph's arrays.
     */
    public SameDiffEmitter.Defined defineInto(SameDiff sd, String prefix,
            Map<String, org.nd4j.autodiff.samediff.SDVariable> inputs, boolean trainable) {
        for (String name : inputs.keySet()) {
            if (!inputTypes.containsKey(name)) {
                throw new IllegalArgumentException("unknown input '" + name + "'; inputs are " + inputNames());
            }
        }
        return SameDiffEmitter.emitInto(rewritten, registry, sd, prefix, inputs, trainable);
    }


    public SameDiff sameDiff() {
        return emitted.sameDiff();
    }

    public List<String> inputNames() {
        return List.copyOf(emitted.inputs().keySet());
    }

    public List<String> outputNames() {
        return List.copyOf(emitted.outputs().keySet());
    }

    /** Type of a graph input after binding (leading symbolic dims are the batch). */
    public TensorType inputType(String name) {
        return inputTypes.get(name);
    }

    /**
     * Type of any value of the rewritten graph by its ONNX name (an input, an intermediate value or an output), or
     * null when import folded or fused it away. Leading symbolic dims are the batch.
     */
    public TensorType valueType(String onnxName) {
        return rewritten.type(onnxName);
    }

    /** SameDiff variable name of a graph input or output. */
    public String sdName(String onnxName) {
        String n = emitted.inputs().get(onnxName);
        return n != null ? n : emitted.outputs().get(onnxName);
    }

    /** ONNX initializer name → SameDiff variable name, for every trainable weight. */
    public Map<String, String> weights() {
        return emitted.weights();
    }

    public ImportReport report() {
        return report;
    }

    /** Runs all outputs. */
    public Map<String, INDArray> run(Map<String, INDArray> inputs) {
        return run(inputs, outputNames());
    }

    /**
     * Runs the named outputs.
     *
     * @throws IllegalArgumentException naming the input, the expected type/shape and what was given, when an
     *                                  input is missing, unknown, or of the wrong rank, size or element type
     */
    public Map<String, INDArray> run(Map<String, INDArray> inputs, List<String> outputs) {
        Map<String, INDArray> ph = new LinkedHashMap<>();
        for (String name : inputs.keySet()) {
            if (!inputTypes.containsKey(name)) {
                throw new IllegalArgumentException("unknown input '" + name + "' for " + source + "; inputs are " + inputNames());
            }
        }
        for (String name : inputNames()) {
            INDArray a = inputs.get(name);
            if (a == null) {
                throw new IllegalArgumentException("missing input '" + name + "' (" + inputTypes.get(name) + ") for " + source);
            }
            ph.put(emitted.inputs().get(name), checkInput(name, a));
        }
        List<String> sdOut = new ArrayList<>();
        for (String o : outputs) {
            String n = emitted.outputs().get(o);
            if (n == null) {
                throw new IllegalArgumentException("unknown output '" + o + "'; outputs are " + outputNames());
            }
            sdOut.add(n);
        }
        Map<String, INDArray> res;
        if (PlanCache.staticPlans()) {
            // one call at a time: the plans of this graph share its op objects
            synchronized (plans) {
                res = plans.computeIfAbsent(sdOut, k -> new PlanCache(emitted.sameDiff(), k, 2)).output(ph);
                lastOutputs = sdOut;
            }
        } else {
            res = emitted.sameDiff().output(ph, sdOut.toArray(new String[0]));
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String o : outputs) {
            out.put(o, res.get(emitted.outputs().get(o)));
        }
        return out;
    }

    /**
     * Runs the static plan of the last {@link #run} call again with the same inputs, timing each op (see
     * {@link org.coft.clip.exec.StaticExecutor#profile(Map, boolean)}): milliseconds and calls per op name, or per
     * op name and input shapes with {@code byShape}, largest first.
     *
     * @throws IllegalStateException when there was no call through static plans yet
     */
    public Map<String, double[]> profileLastRun(boolean byShape) {
        synchronized (plans) {
            if (lastOutputs == null || plans.get(lastOutputs) == null) {
                throw new IllegalStateException(source + ": no call through static plans to profile yet"
                        + (PlanCache.staticPlans() ? "" : " (" + "static plans are off: -Dcoft.exec=samediff)"));
            }
            return plans.get(lastOutputs).profileLast(byShape);
        }
    }

    /** Frees the static plans of {@link #run} (their preallocated arrays); later calls plan again. */
    public void releasePlans() {
        synchronized (plans) {
            plans.values().forEach(PlanCache::close);
            plans.clear();
        }
    }

    private INDArray checkInput(String name, INDArray a) {
        TensorType t = inputTypes.get(name);
        long[] shape = a.shape();
        boolean ok = shape.length == t.rank();
        for (int i = 0; ok && i < shape.length; i++) {
            Dim d = t.dim(i);
            ok = !d.isKnown() || d.value() == shape[i];
        }
        if (!ok) {
            throw new IllegalArgumentException("input '" + name + "' has shape " + Arrays.toString(shape) + ", expected "
                    + t.shape() + " (symbolic dims are the batch)");
        }
        DataType want = t.dataType();
        if (a.dataType() == want) {
            return a;
        }
        boolean intToInt = a.dataType().isIntType() && want.isIntType();
        boolean fpToFp = a.dataType().isFPType() && want.isFPType();
        if (intToInt || fpToFp) {
            return a.castTo(want);
        }
        throw new IllegalArgumentException("input '" + name + "' has element type " + a.dataType() + ", expected " + want);
    }
}
