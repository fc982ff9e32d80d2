/** Reading ONNX protobuf files into the intermediate graph. No SameDiff here. */
package org.coft.clip.onnx.parse;
