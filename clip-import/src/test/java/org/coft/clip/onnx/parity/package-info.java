/**
 * Test support for op-level parity against ONNX Runtime: {@link org.coft.clip.onnx.parity.OnnxModelBuilder}
 * writes small ONNX models from Java, {@link org.coft.clip.onnx.parity.OrtOracle} runs them on ONNX Runtime,
 * {@link org.coft.clip.onnx.parity.ParityCase} imports once and compares at several batch sizes with
 * {@link org.coft.clip.onnx.parity.TensorCompare}. No test cases live here.
 */
package org.coft.clip.onnx.parity;
