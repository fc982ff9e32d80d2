/**
 * Reading ONNX protobuf files into the intermediate graph, and the structural checks a file must pass before any
 * rewrite or native code sees it ({@link org.coft.clip.onnx.parse.GraphValidator}; tensors in
 * {@link org.coft.clip.onnx.parse.OnnxTensors}). No SameDiff here.
 */
package org.coft.clip.onnx.parse;
