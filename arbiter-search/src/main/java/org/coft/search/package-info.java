/**
 * Label-free hyper-parameter search over CoFT on DL4J Arbiter: {@link org.coft.search.SearchSpace} (a JSON
 * description as an Arbiter {@code ParameterSpace} of configs), {@link org.coft.search.Objective} (what a search
 * maximises, read from a run's outputs on the unlabeled images), {@link org.coft.search.CoftSearch} (Arbiter's runner
 * with our task creator, score function and result saver; resumable), {@link org.coft.search.CoftCandidates} and
 * {@link org.coft.search.CandidateProcess} (the real runs, one JVM each), and {@link org.coft.search.ObjectiveStudy}
 * (how well each objective predicts accuracy, measured afterwards against labels the search never read).
 */
package org.coft.search;
