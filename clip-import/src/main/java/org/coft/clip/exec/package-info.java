/**
 * Running SameDiff graphs fast: {@link org.coft.clip.exec.StaticExecutor} plans a graph (or its gradient function)
 * once per placeholder shape into a flat list of op calls over preallocated, liveness-reused arrays, bit-identical to
 * SameDiff's own execution (a gradient plan's own kernels for quick GELU's derivative and wide bias gradients apart,
 * which round differently); {@link org.coft.clip.exec.PlanCache} keeps a graph's plans by shape;
 * {@link org.coft.clip.exec.GradientPlans} returns a loss graph's outputs and parameter gradients through them. Knows
 * nothing of CLIP or CoFT.
 */
package org.coft.clip.exec;
