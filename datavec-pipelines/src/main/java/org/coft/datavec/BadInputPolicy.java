package org.coft.datavec;

import java.util.Arrays;
import java.util.Locale;

/**
 * What to do with an input that cannot be used: an unreadable, truncated or unsupported image file, an empty
 * class folder, a manifest entry whose file is missing or whose row is malformed, a label name that is not in
 * the class list, a duplicate id. CLI flag {@code --bad-images fail|skip}.
 */
public enum BadInputPolicy {
    /** Stop with a {@link BadInputException} naming the file(s) and the reason. The default. */
    FAIL,
    /** Leave the input out, record it in the {@link SkipReport}, and continue. */
    SKIP;

    /** @return the default policy, {@link #FAIL} */
    public static BadInputPolicy defaultPolicy() {
        return FAIL;
    }

    /**
     * @param name {@code fail} or {@code skip}, any case (as given on a command line)
     * @return the policy
     * @throws IllegalArgumentException for any other name (the message lists the valid ones)
     */
    public static BadInputPolicy parse(String name) {
        for (BadInputPolicy p : values()) {
            if (p.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("bad-input policy: '" + name + "' is not one of "
                + Arrays.toString(values()).toLowerCase(Locale.ROOT));
    }
}
