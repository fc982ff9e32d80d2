package org.coft.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.coft.clip.onnx.OnnxImportException;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.parse.OnnxParser;
import org.coft.clip.tf.TfImporter;

/** The model files a command reads: ONNX ({@code .onnx}) or TensorFlow (a {@code .pb} file or SavedModel folder). */
final class ModelGraphs {
    private ModelGraphs() {
    }

    /** The graphs of a path: itself when a file or SavedModel folder, else the ONNX files or TF model inside. */
    static List<Path> files(Path model) {
        if (!Files.isDirectory(model) || TfImporter.isTensorFlow(model)) {
            return List.of(model);
        }
        List<Path> onnx = List.of("model.onnx", "text_model.onnx", "vision_model.onnx").stream().map(model::resolve)
                .filter(Files::isRegularFile).toList();
        if (!onnx.isEmpty()) {
            return onnx;
        }
        Path tf = TfImporter.findModel(model);
        if (tf == null) {
            throw new IllegalArgumentException(model + " holds no model.onnx, text_model.onnx, vision_model.onnx, "
                    + "saved_model.pb, saved_model/ or model.pb");
        }
        return List.of(tf);
    }

    static boolean isTensorFlow(Path file) {
        return !file.getFileName().toString().endsWith(".onnx");
    }

    /** Parses an ONNX file, a frozen TF graph or a SavedModel ({@code signature}, or serving_default when null). */
    static IrGraph parse(Path file, String signature) throws OnnxImportException {
        if (isTensorFlow(file)) {
            return TfImporter.parse(file, signature);
        }
        if (signature != null) {
            throw new IllegalArgumentException("--signature applies to TensorFlow SavedModels only, not " + file);
        }
        return OnnxParser.parse(file);
    }
}
