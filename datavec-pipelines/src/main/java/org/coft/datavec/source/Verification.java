package org.coft.datavec.source;

/** How thoroughly a file-based source checks its images when it is opened. */
public enum Verification {
    /** Only check that each file exists. Unreadable images are found when first decoded. */
    EXISTS,
    /**
     * Read each image's header (format and size): finds missing, empty, non-image and unsupported files. Corrupt
     * pixel data further into a file is found when it is first decoded. The default.
     */
    HEADER,
    /**
     * Decode every image once: every bad file is found before the first batch, at the cost of one extra
     * decoding pass.
     */
    FULL
}
