package org.coft.clip.onnx.ops;

import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.SymInts;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** A node being emitted into a SameDiff graph: its inputs as SameDiff variables and its output names. */
public final class EmitContext extends OpContext {
    /** Supplies SameDiff variables for IR values (node outputs, constants, weights, symbolic shapes). */
    public interface Values {
        SDVariable get(String valueName);

        /** A runtime LONG tensor computing a symbolic integer value (reads batch sizes from graph inputs). */
        SDVariable materialize(SymInts value);

        /** SameDiff-safe variable name for an IR value name. */
        String sdName(String valueName);
    }

    private final SameDiff sd;
    private final Values values;

    public EmitContext(IrGraph graph, IrNode node, SameDiff sd, Values values) {
        super(graph, node);
        this.sd = sd;
        this.values = values;
    }

    public SameDiff sd() {
        return sd;
    }

    public SDVariable in(int i) {
        if (!has(i)) {
            throw new UnsupportedOpException("required input " + i + " is missing");
        }
        return values.get(node().input(i));
    }

    public SDVariable materialize(SymInts value) {
        return values.materialize(value);
    }

    /** Name for output i (intermediate ops created on the way get generated names). */
    public String outName(int i) {
        return values.sdName(node().output(i));
    }
}
