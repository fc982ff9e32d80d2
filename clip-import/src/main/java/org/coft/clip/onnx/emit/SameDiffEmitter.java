package org.coft.clip.onnx.emit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.SymInts;
import org.coft.clip.onnx.ir.TensorType;
import org.coft.clip.onnx.ops.EmitContext;
import org.coft.clip.onnx.ops.OpConverter;
import org.coft.clip.onnx.ops.OpRegistry;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Emits a rewritten {@link IrGraph} as a SameDiff graph: graph inputs become placeholders (dynamic batch as
 * -1), floating-point weights become trainable variables, other constants constants, and every node is
 * emitted by its converter.
 */
public final class SameDiffEmitter implements EmitContext.Values {
    /**
     * The emitted graph and how IR value names map to SameDiff variable names.
     *
     * @param weights      each trainable weight's ONNX initializer (for a weight derived from one at import, the
     *                     initializer it came from, unless another weight already has that key: then its own value
     *                     name) → SameDiff variable name
     * @param weightValues SameDiff variable name → the IR value it holds: an ONNX initializer, or the output of the
     *                     layout ops (transpose, gather of constant rows, …) that import folded over one (an exporter
     *                     writes a trained value back under this name)
     */
    public record Emitted(SameDiff sameDiff, Map<String, String> inputs, Map<String, String> outputs,
                          Map<String, String> weights, Map<String, String> weightValues) { }

    private final IrGraph graph;
    private final OpRegistry registry;
    private final SameDiff sd;
    private final Map<String, SDVariable> vars = new HashMap<>();
    private final Map<String, String> sdNames = new HashMap<>();
    private final java.util.Set<String> usedNames = new java.util.HashSet<>();
    private final Map<String, String> weights = new LinkedHashMap<>();
    private final Map<String, String> weightValues = new LinkedHashMap<>();
    private final Map<SymInts, SDVariable> materialized = new HashMap<>();
    private final String prefix;
    private final boolean trainableWeights;
    private final boolean shareWeights;

    private SameDiffEmitter(IrGraph graph, OpRegistry registry, SameDiff sd, String prefix, boolean trainableWeights,
                            boolean shareWeights) {
        this.graph = graph;
        this.registry = registry;
        this.sd = sd;
        this.prefix = prefix;
        this.trainableWeights = trainableWeights;
        this.shareWeights = shareWeights;
    }

    /**
     * Emits into a new SameDiff graph; weights are constants that share their arrays with {@code graph}'s constants
     * (the graph's own runnable form: one copy of the weights in memory, not two — three before, with ClipTower's
     * conversion to constants), listed in {@link Emitted#weights()}.
     */
    public static Emitted emit(IrGraph graph, OpRegistry registry) {
        return emitInto(graph, registry, SameDiff.create(), "", Map.of(), true, true).emitted();
    }

    /** Result of {@link #emitInto}: names, plus every IR output as a SameDiff variable. */
    public record Defined(Emitted emitted, Map<String, SDVariable> outputs) { }

    /**
     * Emits the graph into an existing SameDiff graph, as a layer: graph inputs named in {@code bound} read the
     * caller's variables (e.g. learned prompt embeddings), the others become placeholders; every variable name
     * gets {@code prefix}; weights are variables (own copies) when {@code trainableWeights}, else constants (shared).
     */
    public static Defined emitInto(IrGraph graph, OpRegistry registry, SameDiff sd, String prefix,
                                   Map<String, SDVariable> bound, boolean trainableWeights) {
        return emitInto(graph, registry, sd, prefix, bound, trainableWeights, false);
    }

    private static Defined emitInto(IrGraph graph, OpRegistry registry, SameDiff sd, String prefix,
                                    Map<String, SDVariable> bound, boolean trainableWeights, boolean shareWeights) {
        SameDiffEmitter e = new SameDiffEmitter(graph, registry, sd, prefix, trainableWeights, shareWeights);
        Map<String, String> inputs = new LinkedHashMap<>();
        for (Map.Entry<String, TensorType> in : graph.inputs().entrySet()) {
            SDVariable given = bound.get(in.getKey());
            if (given != null) {
                e.vars.put(in.getKey(), given);
                continue;
            }
            long[] shape = in.getValue().shape().stream().mapToLong(d -> d.isKnown() ? d.value() : -1).toArray();
            SDVariable ph = sd.placeHolder(e.sdName(in.getKey()), in.getValue().dataType(), shape);
            e.vars.put(in.getKey(), ph);
            inputs.put(in.getKey(), ph.name());
        }
        int index = 0;
        for (IrNode n : graph.nodes()) {
            OpConverter conv = registry.find(n.domain(), n.opType(), graph.opset(n.domain()));
            EmitContext ctx = new EmitContext(graph, n, sd, e);
            List<SDVariable> outs;
            // SameDiff names an op by trying <op>, <op>_1, <op>_2, … against every existing name: quadratic over a
            // long graph of one op type. A scope per node makes the first try unique, so emission is linear.
            try (var scope = sd.withNameScope(prefix + "n" + index++)) {
                outs = conv.emit(ctx);
            }
            for (int i = 0; i < n.outputs().size() && i < outs.size(); i++) {
                String name = n.output(i);
                if (name.isEmpty()) {
                    continue;
                }
                SDVariable v = outs.get(i);
                String want = e.sdName(name);
                if (!v.name().equals(want) && !sd.hasVariable(want)) {
                    v = sd.updateVariableNameAndReference(v, want);
                }
                e.vars.put(name, v);
            }
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        Map<String, SDVariable> outVars = new LinkedHashMap<>();
        for (String o : graph.outputs()) {
            SDVariable v = e.get(o);
            if (v.isPlaceHolder() || v.isConstant() || v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE) {
                v = sd.identity(e.sdName(o) + "_out", v);
            }
            outputs.put(o, v.name());
            outVars.put(o, v);
        }
        return new Defined(new Emitted(sd, inputs, outputs, e.weights, e.weightValues), outVars);
    }

    @Override
    public SDVariable get(String valueName) {
        SDVariable v = vars.get(valueName);
        if (v != null) {
            return v;
        }
        INDArray c = graph.constant(valueName);
        if (c != null) {
            boolean weight = graph.initializers().contains(valueName) && c.dataType().isFPType();
            boolean copy = weight && trainableWeights && !shareWeights;
            if (c.isView() && !copy) {
                // SameDiff copies a view it is given; copying it here, once, and keeping the copy in the graph lets
                // the graph and SameDiff share one array (the view's base is freed with the garbage)
                c = c.dup();
                graph.constants().put(valueName, c);
            }
            // a trainable weight emitted into another graph gets its own copy: training it must not change the
            // imported graph it came from; the graph's own emission shares the arrays as constants (frozen, listed
            // as weights so that ClipTower.setTrainable can make them variables)
            v = copy ? sd.var(sdName(valueName), c.dup()) : sd.constant(sdName(valueName), c);
            if (weight && trainableWeights) {
                String origin = graph.weightOrigins().getOrDefault(valueName, valueName);
                weights.put(weights.containsKey(origin) ? valueName : origin, v.name());
                weightValues.put(v.name(), valueName);
            }
            vars.put(valueName, v);
            return v;
        }
        SymInts s = graph.symbolic().get(valueName);
        if (s != null) {
            v = materialize(s);
            vars.put(valueName, v);
            return v;
        }
        throw new IllegalStateException("value '" + valueName + "' is used before it is computed");
    }

    @Override
    public SDVariable materialize(SymInts value) {
        SDVariable cached = materialized.get(value);
        if (cached != null) {
            return cached;
        }
        List<SDVariable> parts = new ArrayList<>();
        for (Dim d : value.elements()) {
            if (d.isKnown()) {
                parts.add(sd.constant(Nd4j.createFromArray(d.value())));
            } else {
                IrGraph.SymbolSource src = graph.symbolSources().get(d.symbol());
                if (src == null) {
                    throw new IllegalStateException("no graph input provides dimension " + d.symbol());
                }
                SDVariable size = sd.reshape(sd.sizeAt(vars.get(src.input()), src.axis()).castTo(DataType.LONG), 1);
                parts.add(d.coefficient() == 1 ? size : size.mul(d.coefficient()));
            }
        }
        SDVariable out = parts.size() == 1 ? parts.get(0) : sd.concat(0, parts.toArray(new SDVariable[0]));
        if (value.isScalar()) {
            out = sd.reshape(out, new long[0]);
        }
        materialized.put(value, out);
        return out;
    }

    @Override
    public String sdName(String valueName) {
        return sdNames.computeIfAbsent(valueName, k -> {
            String s = k.replaceAll("[^A-Za-z0-9_.\\-/]", "_");
            if (s.isEmpty() || !Character.isLetter(s.charAt(0))) {
                s = "v_" + s;
            }
            s = prefix + s;
            String base = s;
            int i = 1;
            while (usedNames.contains(s) || sd.hasVariable(s)) {
                s = base + "_" + i++;
            }
            usedNames.add(s);
            return s;
        });
    }
}
