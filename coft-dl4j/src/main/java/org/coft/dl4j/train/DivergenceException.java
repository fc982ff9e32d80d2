package org.coft.dl4j.train;

/** Training produced a non-finite loss or gradient; the step was not applied and no checkpoint was written. */
public class DivergenceException extends RuntimeException {
    public DivergenceException(String message) {
        super(message);
    }
}
