/**
 * Command-line benchmark of the image pipeline ({@link org.coft.datavec.bench.PipelineBenchmark}). The only
 * package of this module that prints to standard output: it is a program, not library code.
 */
package org.coft.datavec.bench;
