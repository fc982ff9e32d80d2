/**
 * Our own ONNX → SameDiff importer: {@link org.coft.clip.onnx.OnnxImporter} parses, rewrites (fold, fuse)
 * and emits; {@link org.coft.clip.onnx.OnnxGraph} runs the result and exposes it for training. Stages live
 * in the sub-packages {@code parse}, {@code ir}, {@code passes}, {@code ops} and {@code emit}.
 */
package org.coft.clip.onnx;
