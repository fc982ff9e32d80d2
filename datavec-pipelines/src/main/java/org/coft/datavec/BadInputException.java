package org.coft.datavec;

import java.util.List;

/**
 * Bad input under {@link BadInputPolicy#FAIL}. The message names every offending file found so far (up to
 * {@link SkipReport#SUMMARY_LIMIT}) and why; {@link #problems()} has them all. Unchecked, because it can surface
 * from {@code DataSetIterator.next()} when a file that passed the checks at open time fails to decode.
 */
public class BadInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<SkippedInput> problems;

    /** @param problems the offending inputs, at least one */
    public BadInputException(List<SkippedInput> problems) {
        this(problems, null);
    }

    /**
     * @param problems the offending inputs, at least one
     * @param cause    the underlying exception, if any
     */
    public BadInputException(List<SkippedInput> problems, Throwable cause) {
        super(message(problems), cause);
        this.problems = List.copyOf(problems);
    }

    /** @return the offending inputs */
    public List<SkippedInput> problems() {
        return problems;
    }

    private static String message(List<SkippedInput> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems: must not be empty");
        }
        if (problems.size() == 1) {
            SkippedInput p = problems.get(0);
            return "bad input " + p.location() + " (" + p.kind() + "): " + p.reason()
                    + " [policy FAIL; use SKIP (--bad-images skip) to leave such inputs out]";
        }
        StringBuilder sb = new StringBuilder().append(problems.size()).append(" bad inputs [policy FAIL; use SKIP "
                + "(--bad-images skip) to leave them out]:");
        for (int i = 0; i < Math.min(SkipReport.SUMMARY_LIMIT, problems.size()); i++) {
            sb.append("\n  ").append(problems.get(i));
        }
        if (problems.size() > SkipReport.SUMMARY_LIMIT) {
            sb.append("\n  ... and ").append(problems.size() - SkipReport.SUMMARY_LIMIT).append(" more");
        }
        return sb.toString();
    }
}
