package org.coft.search;

import java.nio.file.Path;

/** Runs one candidate of a search in its own folder and returns what the objectives are computed from. */
@FunctionalInterface
public interface CandidateRunner {
    /**
     * @param index the candidate's number
     * @param point its config and the settings the space chose
     * @param dir   its folder (created; holds a partial run when an earlier search was interrupted in it, which the
     *              runner should resume)
     */
    Result run(int index, SearchSpace.Point point, Path dir) throws Exception;

    /**
     * This runner with another run seed (the same inputs, the settings it is given): the {@link BaseGuard} runs the
     * base config again with it to measure how far one setting's objective moves from run to run. Null (the default)
     * when the runner cannot vary its seed; the guard then counts the images' error only.
     */
    default CandidateRunner withSeed(long seed) {
        return null;
    }

    /**
     * @param evidence   what the run produced on the unlabeled images
     * @param phase1From the earlier candidate whose Phase I was adopted, or −1
     */
    record Result(Objective.Evidence evidence, int phase1From) { }
}
