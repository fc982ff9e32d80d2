package org.coft.clip.onnx.passes;

import org.coft.clip.onnx.ir.IrGraph;

/** One rewrite of the intermediate graph. Returns how many rewrites it made (for the import report). */
public interface GraphPass {
    String name();

    int apply(IrGraph graph);
}
