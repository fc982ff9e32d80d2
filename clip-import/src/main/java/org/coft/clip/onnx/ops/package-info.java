/**
 * One small converter per ONNX operator or op family (element-wise, shape, indexing, neural-network),
 * each inferring output types, optionally evaluating shape arithmetic at import, and emitting SameDiff ops.
 * Registered in {@link org.coft.clip.onnx.ops.OpRegistry} by (domain, op type, since-version).
 */
package org.coft.clip.onnx.ops;
