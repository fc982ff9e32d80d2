/**
 * The project's one seed mixer ({@link org.coft.datavec.random.SplitMix64}): every random draw in the project is
 * a pure function of a seed and a stream through it, so runs repeat exactly and resume mid-way. Named streams of
 * the method live in {@code org.coft.dl4j.train.SeedStream}; nothing here knows of CoFT.
 */
package org.coft.datavec.random;
