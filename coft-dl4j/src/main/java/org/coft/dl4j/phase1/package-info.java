/**
 * CoFT Phase I: {@code DualPromptModel} (one model's graph over a frozen CLIP, {@code ClipBackbone}),
 * {@code PhaseOneTrainer} (our training loop with exact resume) and {@code PhaseOne} (features → seeds → models A
 * and B → scores of every image, with stage files). Takes {@code UnlabeledImages} only.
 */
package org.coft.dl4j.phase1;
