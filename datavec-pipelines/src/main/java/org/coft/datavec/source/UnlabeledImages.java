package org.coft.datavec.source;

import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.SkipReport;
import org.coft.datavec.image.DecodedImage;
import org.coft.datavec.image.ImageDecodeException;

import java.util.List;

/**
 * The training-path view of a source: a fixed, ordered list of examples, each with a stable id and pixels.
 * It deliberately has no label accessor; labels live in {@link EvaluationLabels}, obtained separately from
 * {@link ImageSource#evaluationLabels()}. Implementations are thread-safe ({@link #load} may be called from
 * several decoding threads).
 */
public interface UnlabeledImages {

    /** @return number of examples (those that passed the checks at open time) */
    int size();

    /**
     * @param index 0..size-1
     * @return the example's stable id: a relative path with {@code /} separators for folders and manifests,
     * {@code idx:<n>} for IDX files
     */
    String id(int index);

    /** @return all ids in order (unmodifiable) */
    List<String> ids();

    /**
     * @param index 0..size-1
     * @return where the example comes from, for messages (a file path, or the IDX file and index)
     */
    String location(int index);

    /**
     * Decodes one example.
     *
     * @param index 0..size-1
     * @return the decoded image
     * @throws ImageDecodeException if it cannot be decoded (callers apply {@link #badInputPolicy()})
     */
    DecodedImage load(int index) throws ImageDecodeException;

    /** @return a one-line description (kind, path, count) */
    String description();

    /** @return the policy the source was opened with, to apply to failures found while decoding */
    BadInputPolicy badInputPolicy();

    /** @return the report shared by everything reading this source (open-time and decode-time skips) */
    SkipReport skipReport();
}
