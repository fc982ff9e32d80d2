/**
 * The intermediate representation between ONNX parsing and SameDiff emission: plain data (nodes, value
 * types with symbolic batch dimensions, constants, symbolic shape values). No protobuf and no SameDiff here.
 */
package org.coft.clip.onnx.ir;
