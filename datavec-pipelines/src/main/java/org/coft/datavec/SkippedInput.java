package org.coft.datavec;

import java.util.Objects;

/**
 * One input left out under {@link BadInputPolicy#SKIP}.
 *
 * @param location the file (or manifest line, or folder) as a readable string
 * @param kind     why it was rejected
 * @param reason   the detailed reason (decoder message, offending value)
 */
public record SkippedInput(String location, BadInputKind kind, String reason) implements java.io.Serializable {

    /** Validates that no field is null. */
    public SkippedInput {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return location + ": " + kind + ": " + reason;
    }
}
