package org.coft.datavec;

/** Why an input was rejected. */
public enum BadInputKind {
    /** The file does not exist (for example a manifest entry pointing nowhere). */
    MISSING_FILE,
    /** The file exists but cannot be read, is empty, truncated or its data is corrupt. */
    UNREADABLE_IMAGE,
    /** No installed decoder understands the file, or its colour type is not supported. */
    UNSUPPORTED_FORMAT,
    /**
     * The header declares more pixels than the configured budget ({@code SourceOptions.maxPixels}), for example a
     * decompression bomb: a tiny file claiming a huge image. Refused from the header alone, before any pixel
     * memory is allocated.
     */
    IMAGE_TOO_LARGE,
    /** A class folder, the whole folder or a manifest holds no images. */
    EMPTY_FOLDER,
    /** A label name (or index) is not in the class list. */
    UNKNOWN_LABEL,
    /** A manifest row cannot be parsed (wrong number of columns, empty path, missing label). */
    MALFORMED_ENTRY,
    /** The same example id appears twice. */
    DUPLICATE_ID
}
