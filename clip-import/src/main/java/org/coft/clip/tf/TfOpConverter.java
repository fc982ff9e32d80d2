package org.coft.clip.tf;

/**
 * Translates one TensorFlow op into intermediate-graph nodes in the ONNX op vocabulary (see
 * {@link TfOpRegistry}). The last node it adds must produce the TF node's output value names
 * ({@link TfNodeContext#out(int)}). Throws {@link IllegalArgumentException} for a variant it cannot translate; the
 * parser records that as a problem naming the node and op.
 */
@FunctionalInterface
interface TfOpConverter {
    void convert(TfNodeContext c);
}
