package org.coft.clip.tf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.coft.clip.onnx.OnnxImportException;
import org.coft.clip.onnx.OnnxImporter;
import org.coft.clip.onnx.ir.IrGraph;

/**
 * Imports a TensorFlow model — a frozen {@code GraphDef} file ({@code .pb}) or a SavedModel directory — into SameDiff
 * through the ONNX importer's rewrite and emit stages. The result is the
 * same {@link OnnxGraph} type the ONNX path gives: inputs and outputs by TF name (frozen graph) or by signature key
 * (SavedModel); dynamic batch. TensorFlow itself is never loaded.
 */
public final class TfImporter {
    private TfImporter() {
    }

    /** Parses a frozen graph file or a SavedModel directory ({@code serving_default}) into the IR. */
    public static IrGraph parse(Path model) throws TfImportException {
        return parse(model, null);
    }

    /**
     * Parses a frozen graph file (every node no other node reads is an output) or a SavedModel directory, or its
     * {@code saved_model.pb} (the named signature, {@code serving_default} when null).
     */
    public static IrGraph parse(Path model, String signature) throws TfImportException {
        if (Files.isDirectory(model)) {
            return SavedModelReader.parse(model, signature);
        }
        if (model.getFileName().toString().equals(SavedModelReader.SAVED_MODEL_PB)) {
            return SavedModelReader.parse(model.toAbsolutePath().getParent(), signature);
        }
        if (signature != null) {
            throw new TfImportException(model.toString(), "a frozen graph has no signatures (asked for '" + signature
                    + "')", null);
        }
        return TfGraphParser.parseFrozen(model, (List<String>) null);
    }

    /**
     * The TensorFlow model of a model directory: the directory itself when it is a SavedModel, its
     * {@code saved_model/} sub-folder, or a frozen {@code model.pb}; null when there is none.
     */
    public static Path findModel(Path dir) {
        if (Files.isRegularFile(dir.resolve(SavedModelReader.SAVED_MODEL_PB))) {
            return dir;
        }
        if (Files.isRegularFile(dir.resolve("saved_model").resolve(SavedModelReader.SAVED_MODEL_PB))) {
            return dir.resolve("saved_model");
        }
        return Files.isRegularFile(dir.resolve("model.pb")) ? dir.resolve("model.pb") : null;
    }

    /** Whether a path is a TensorFlow model: a {@code .pb} file, or a folder holding {@code saved_model.pb}. */
    public static boolean isTensorFlow(Path model) {
        return Files.isRegularFile(model) && model.getFileName().toString().endsWith(".pb")
                || Files.isRegularFile(model.resolve(SavedModelReader.SAVED_MODEL_PB));
    }

    public static OnnxGraph importModel(Path model, ImportOptions options) throws OnnxImportException {
        return new OnnxImporter().importGraph(parse(model), options);
    }

    /** Imports a SavedModel's named signature (or a frozen graph when {@code signature} is null). */
    public static OnnxGraph importModel(Path model, String signature, ImportOptions options)
            throws OnnxImportException {
        return new OnnxImporter().importGraph(parse(model, signature), options);
    }
}
