/**
 * Export of an adapted model folder as one ONNX classifier that ONNX Runtime (or any ONNX runtime) runs without the
 * JVM: {@link org.coft.dl4j.export.OnnxExport}. The base model's image-tower ONNX file is edited, not regenerated —
 * trained values are written back under the ONNX values they came from, visual prompts are inserted by the same
 * structural search the importer uses, and the heads are appended as plain ONNX ops — so the exported tower is the
 * graph the base model's authors exported. Class names and preprocessing travel in the model's metadata.
 * Reads run folders and the base model; trains nothing; no ONNX Runtime here (the CLI checks the file with it).
 */
package org.coft.dl4j.export;
