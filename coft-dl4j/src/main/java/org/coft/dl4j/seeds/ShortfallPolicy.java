package org.coft.dl4j.seeds;

/** What seed selection does for a class predicted for fewer than K examples. */
public enum ShortfallPolicy {
    /** Keep the fewer examples the class has (it is reported as short). */
    KEEP_FEWER,
    /**
     * Fill the class up to K with the unselected examples that have the highest probability of that class,
     * although another class won the arg-max for them (reported as filled). Keeps the seed set class-balanced
     * when zero-shot predictions collapse onto a few classes under distribution shift.
     */
    FILL_BY_SCORE
}
