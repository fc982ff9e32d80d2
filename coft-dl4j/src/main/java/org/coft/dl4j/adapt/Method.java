package org.coft.dl4j.adapt;

import java.util.Arrays;
import java.util.Locale;

/** Label-free adaptation methods that {@link Adaptation} runs. */
public enum Method {
    /** CLIP zero-shot with a template or an ensemble (no training). */
    ZERO_SHOT("zero-shot"),
    /** UPL (Huang et al. 2022): top-K seeds, one learnable positive prompt, cross-entropy. */
    UPL("upl"),
    /** CoFT Phase I: two dual-prompt models with a visual module; the classifier is their positive-prompt ensemble. */
    COFT_PHASE1("coft-phase1"),
    /** CoFT: seeds → Phase I → collaborative filtering → Phase II full fine-tuning of the image tower + linear head. */
    COFT("coft"),
    /** CoFT+: CoFT with R rounds of Phase I, a momentum contrastive term in Phase II and richer prompts. */
    COFT_PLUS("coft-plus"),
    /**
     * Supervised reference, not label-free: CoOp (Zhou et al. 2022) with K labelled shots per class drawn at random
     * from the data's labels; one positive prompt, no visual module.
     */
    COOP("coop");

    private final String cliName;

    Method(String cliName) {
        this.cliName = cliName;
    }

    /** Whether the method runs Phase II (its output is a fine-tuned classifier). */
    public boolean fineTunes() {
        return this == COFT || this == COFT_PLUS;
    }

    public String cliName() {
        return cliName;
    }

    /** @throws IllegalArgumentException naming the value and the choices */
    public static Method parse(String s) {
        for (Method m : values()) {
            if (m.cliName.equals(s.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + s + "'; choose one of "
                + Arrays.stream(values()).map(Method::cliName).toList());
    }
}
