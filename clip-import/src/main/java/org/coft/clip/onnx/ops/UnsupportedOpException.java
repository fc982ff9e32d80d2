package org.coft.clip.onnx.ops;

/** A node uses an operator variant (attribute, input form, shape) that this importer does not support. */
public class UnsupportedOpException extends RuntimeException {
    public UnsupportedOpException(String message) {
        super(message);
    }
}
