package org.coft.clip.onnx.emit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.SymInts;
import org.coft.clip.onnx.ops.EmitContext;
import org.coft.clip.onnx.ops.OpConverter;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Evaluates one node whose inputs are all constants, by emitting it into a throw-away SameDiff graph. */
public final class ConstantEvaluator {
    private ConstantEvaluator() {
    }

    public static List<INDArray> evaluate(IrGraph graph, IrNode node, OpConverter converter) {
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> vars = new HashMap<>();
        EmitContext.Values values = new EmitContext.Values() {
            @Override
            public SDVariable get(String valueName) {
                return vars.computeIfAbsent(valueName, k -> sd.constant("c" + vars.size(), graph.constant(k)));
            }

            @Override
            public SDVariable materialize(SymInts value) {
                if (!value.isFullyKnown()) {
                    throw new IllegalStateException("symbolic value in constant folding: " + value);
                }
                return sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(value.knownValues()).reshape(value.shape()));
            }

            @Override
            public String sdName(String valueName) {
                return "o_" + Math.abs(valueName.hashCode());
            }
        };
        List<SDVariable> outs = converter.emit(new EmitContext(graph, node, sd, values));
        List<String> names = new ArrayList<>();
        for (SDVariable v : outs) {
            names.add(v.name());
        }
        List<INDArray> result = new ArrayList<>();
        boolean allConstant = outs.stream().allMatch(SDVariable::isConstant);
        if (allConstant) {
            for (SDVariable v : outs) {
                result.add(v.getArr().dup());
            }
            return result;
        }
        Map<String, INDArray> out = sd.output(new HashMap<>(), names.toArray(new String[0]));
        for (String n : names) {
            result.add(out.get(n).dup());
        }
        return result;
    }
}
