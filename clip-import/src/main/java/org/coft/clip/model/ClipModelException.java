package org.coft.clip.model;

/** A CLIP model directory cannot be loaded: missing or unreadable files, or an unrecognised graph. */
public class ClipModelException extends Exception {
    public ClipModelException(String message) {
        super(message);
    }

    public ClipModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
