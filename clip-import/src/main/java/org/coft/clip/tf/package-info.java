/**
 * TensorFlow → the importer's intermediate graph: a frozen {@code GraphDef} ({@link org.coft.clip.tf.TfGraphParser})
 * or a SavedModel ({@link org.coft.clip.tf.SavedModelReader}, variables read by our own
 * {@link org.coft.clip.tf.TensorBundleReader}) becomes an {@link org.coft.clip.onnx.ir.IrGraph} in the ONNX op
 * vocabulary, so the ONNX path's rewrite passes, SameDiff emitter and CLIP seams serve it unchanged
 * ({@link org.coft.clip.tf.TfImporter}). One small converter per TF op ({@link org.coft.clip.tf.TfOpRegistry}).
 * Reads TensorFlow's protobuf classes shipped in {@code nd4j-api}; never TensorFlow's native code. No SameDiff here.
 */
package org.coft.clip.tf;
