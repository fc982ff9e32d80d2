package org.coft.clip.onnx;

import java.util.Map;

/**
 * What an import did.
 *
 * @param onnxOps      op type counts of the ONNX file
 * @param runtimeOps   op type counts of the graph after folding and fusion (what is emitted)
 * @param folded       nodes evaluated at import (constants and shape arithmetic)
 * @param fusions      rewrites per fusion pass
 * @param sameDiffOps  number of SameDiff ops emitted
 * @param opsets       opset per domain
 */
public record ImportReport(Map<String, Integer> onnxOps, Map<String, Integer> runtimeOps, int folded,
                           Map<String, Integer> fusions, int sameDiffOps, Map<String, Long> opsets) {
    public int onnxOpCount() {
        return onnxOps.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int runtimeOpCount() {
        return runtimeOps.values().stream().mapToInt(Integer::intValue).sum();
    }
}
