/** Turning the rewritten intermediate graph into SameDiff, and evaluating constant nodes at import. */
package org.coft.clip.onnx.emit;
