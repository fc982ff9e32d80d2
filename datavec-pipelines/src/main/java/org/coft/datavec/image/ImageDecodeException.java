package org.coft.datavec.image;

import org.coft.datavec.BadInputKind;

import java.util.Objects;

/**
 * An image could not be decoded: missing, unreadable or truncated file, unknown or unsupported format, or a
 * colour type the configuration does not accept. The message says why; callers add the file name.
 */
public class ImageDecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    private final BadInputKind kind;

    /**
     * @param kind   the category of problem
     * @param reason what is wrong with the image
     */
    public ImageDecodeException(BadInputKind kind, String reason) {
        this(kind, reason, null);
    }

    /**
     * @param kind   the category of problem
     * @param reason what is wrong with the image
     * @param cause  the decoder's exception
     */
    public ImageDecodeException(BadInputKind kind, String reason, Throwable cause) {
        super(reason, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** @return the category of problem */
    public BadInputKind kind() {
        return kind;
    }
}
