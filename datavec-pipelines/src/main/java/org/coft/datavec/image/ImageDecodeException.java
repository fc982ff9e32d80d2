package org.coft.datavec.image;

/**
 * An image could not be decoded: unreadable or truncated file, unknown or unsupported format, or a colour type
 * the configuration does not accept. The message says why; callers add the file name.
 */
public class ImageDecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    /** @param reason what is wrong with the image */
    public ImageDecodeException(String reason) {
        super(reason);
    }

    /**
     * @param reason what is wrong with the image
     * @param cause  the decoder's exception
     */
    public ImageDecodeException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
