package org.coft.clip.tf;

import java.util.List;
import org.coft.clip.onnx.OnnxImportException;

/**
 * A TensorFlow model could not be imported: an unreadable or truncated file, a missing variable, an unknown
 * signature, or nodes whose ops (or op variants) have no converter. Lists every problem at once; node problems name
 * the node and its TF op (domain {@value #DOMAIN}, "opset" = the GraphDef's producer version). A subtype of the ONNX
 * importer's exception because both paths share the rewrite and emit stages.
 */
public class TfImportException extends OnnxImportException {
    /** Domain recorded in the problems of TF nodes. */
    public static final String DOMAIN = "tensorflow";

    public TfImportException(String source, List<Problem> problems) {
        super(source, problems);
    }

    public TfImportException(String source, String message, Throwable cause) {
        super(source, message, cause);
    }
}
