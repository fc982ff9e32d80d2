package org.coft.clip.onnx.ops;

import java.util.List;
import org.coft.clip.onnx.ir.SymInts;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Maps one ONNX operator (or op family) onto SameDiff. Converters are stateless and registered in
 * {@link OpRegistry} under (domain, op type, since-version).
 */
public interface OpConverter {
    /** Output types (element type and possibly symbolic shape) from the inputs' types and known values. */
    List<TensorType> infer(OpContext c);

    /**
     * Import-time evaluation over symbolic integers (shape arithmetic with a dynamic batch), or null when this
     * node cannot be evaluated at import. Nodes whose inputs are all constants are folded by running
     * {@link #emit} on constants instead, so only symbolic cases need handling here.
     */
    default List<SymInts> foldSymbolic(OpContext c) {
        return null;
    }

    /** Adds the SameDiff ops computing this node's outputs, in output order. */
    List<SDVariable> emit(EmitContext c);
}
