/**
 * Measurements of a run: {@code LabelFreeCheck} (the label-free safeguard over zero-shot, Phase I and the adapted
 * classifier) and {@code Auroc}. Pure functions over score arrays; evaluation labels, where a caller has them, come
 * in as arrays after training and never flow back.
 */
package org.coft.dl4j.eval;
