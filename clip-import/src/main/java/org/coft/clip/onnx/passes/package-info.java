/**
 * Rewrite passes over the intermediate graph, each separate and individually tested: type inference with
 * constant and symbolic-shape folding, layer-norm / quick-GELU / linear fusion, dead-code elimination.
 */
package org.coft.clip.onnx.passes;
