package org.coft.clip.preprocess;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Resampling filter used when resizing images, named and numbered as in Pillow ({@code PIL.Image.Resampling}).
 *
 * <p>The numeric {@link #pilCode() codes} are the ones Hugging Face writes into the {@code resample} field of a
 * {@code preprocessor_config.json}. Only the three filters CLIP checkpoints use are supported.
 */
public enum Interpolation {
    /** Nearest neighbour (Pillow code 0). */
    NEAREST(0),
    /** Bilinear (triangle) filter with antialiasing support scaling (Pillow code 2). */
    BILINEAR(2),
    /** Bicubic filter, {@code a = -0.5}, with antialiasing support scaling (Pillow code 3); CLIP's choice. */
    BICUBIC(3);

    private final int pilCode;

    Interpolation(int pilCode) {
        this.pilCode = pilCode;
    }

    /** @return Pillow's integer code for this filter */
    public int pilCode() {
        return pilCode;
    }

    /**
     * @param code a Pillow resampling code as found in {@code preprocessor_config.json}
     * @return the matching filter
     * @throws IllegalArgumentException if the code is not one of the supported ones (the message lists them)
     */
    public static Interpolation fromPilCode(int code) {
        for (Interpolation i : values()) {
            if (i.pilCode == code) {
                return i;
            }
        }
        throw new IllegalArgumentException("resample: unsupported Pillow resampling code " + code + " (supported: "
                + Arrays.stream(values()).map(i -> i.pilCode + "=" + i.name()).collect(Collectors.joining(", "))
                + "; 1=LANCZOS, 4=BOX, 5=HAMMING are not implemented)");
    }
}
