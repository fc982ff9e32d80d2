/**
 * What every training loop shares: the {@code TrainingListener} hooks and the built-in listeners (progress,
 * divergence guard, loss history, pseudo-label statistics; {@code BaseCoftListener} makes a listener attach to
 * DL4J's and SameDiff's own {@code fit} too), Adam steps, the cosine schedule and {@code ArrayArchive} (atomic
 * checkpoint files). No method-specific math here.
 */
package org.coft.dl4j.train;
