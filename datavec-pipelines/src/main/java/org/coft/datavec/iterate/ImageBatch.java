package org.coft.datavec.iterate;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Objects;

/**
 * A batch of preprocessed images and their example ids.
 *
 * @param images float32 {@code [n, 3, H, W]}, normalised, channel order R, G, B
 * @param ids    the n example ids, in the same order (unmodifiable)
 */
public record ImageBatch(INDArray images, List<String> ids) {

    /** Checks that the counts agree; copies the id list. */
    public ImageBatch {
        Objects.requireNonNull(images, "images");
        ids = List.copyOf(ids);
        if (images.rank() != 4 || images.size(0) != ids.size()) {
            throw new IllegalArgumentException("images: shape " + java.util.Arrays.toString(images.shape())
                    + " does not match " + ids.size() + " ids (expected [n, 3, H, W])");
        }
    }

    /** @return number of images */
    public int size() {
        return ids.size();
    }
}
