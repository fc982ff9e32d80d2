/**
 * The method end to end: {@code Method} (zero-shot, UPL, CoFT Phase I, CoFT, CoFT+, the supervised CoOp reference),
 * {@code CoftConfig}, {@code CoftPipeline} (seeds → R rounds of Phase I → filtering → Phase II) and
 * {@code Adaptation} (the adapted-model folder, its manifest and provenance, prediction for every method).
 * Orchestration only: the math lives in {@code layers}, {@code phase1}, {@code phase2}; labels never enter here
 * (only {@code UnlabeledImages}).
 */
package org.coft.dl4j.adapt;
