package org.coft.dl4j.seeds;

/**
 * One pseudo-labelled seed example.
 *
 * @param index      position of the example in the unlabeled source
 * @param id         the example's stable id
 * @param label      pseudo label (class index)
 * @param confidence the zero-shot probability of {@code label} for this example
 * @param filled     true when the example was not predicted as {@code label} but filled in for a short class
 */
public record Seed(int index, String id, int label, double confidence, boolean filled) { }
