package org.coft.datavec.image;

import org.coft.datavec.BadInputKind;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * An image could not be decoded: missing, unreadable or truncated file, unknown or unsupported format, a header
 * declaring more pixels than the budget, or a colour type the configuration does not accept. {@link #reason()}
 * says why; when the image came from a file, {@link #file()} names it and {@link #getMessage()} starts with it,
 * so the exception is never anonymous. Callers that already name the input (a skip report keyed by location)
 * use {@link #reason()} to avoid naming it twice.
 */
public class ImageDecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    private final BadInputKind kind;
    private final String reason;
    private final transient Path file;

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
        this(null, kind, reason, cause);
    }

    private ImageDecodeException(Path file, BadInputKind kind, String reason, Throwable cause) {
        super(file == null ? reason : file + ": " + reason, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.file = file;
    }

    /**
     * @param file the file the image was read from
     * @return this problem, naming that file (this exception itself if it already names one)
     */
    public ImageDecodeException inFile(Path file) {
        if (this.file != null) {
            return this;
        }
        ImageDecodeException named = new ImageDecodeException(Objects.requireNonNull(file, "file"), kind, reason,
                getCause());
        named.setStackTrace(getStackTrace());
        return named;
    }

    /** @return the category of problem */
    public BadInputKind kind() {
        return kind;
    }

    /** @return what is wrong with the image, without the file name */
    public String reason() {
        return reason;
    }

    /** @return the file the image was read from, when known */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }
}
