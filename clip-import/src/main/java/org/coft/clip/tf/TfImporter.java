package org.coft.clip.tf;

import java.nio.file.Path;
import java.util.List;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.coft.clip.onnx.OnnxImportException;
import org.coft.clip.onnx.OnnxImporter;
import org.coft.clip.onnx.ir.IrGraph;

/**
 * Imports a TensorFlow model into SameDiff through the ONNX importer's rewrite and emit stages. The result is the
 * same {@link OnnxGraph} type the ONNX path gives (inputs and outputs by TF name; dynamic batch).
 */
public final class TfImporter {
    private TfImporter() {
    }

    /** Parses a frozen graph file into the IR; every node no other node reads is an output. */
    public static IrGraph parse(Path model) throws TfImportException {
        return TfGraphParser.parseFrozen(model, (List<String>) null);
    }

    public static OnnxGraph importModel(Path model, ImportOptions options) throws OnnxImportException {
        return new OnnxImporter().importGraph(parse(model), options);
    }
}
