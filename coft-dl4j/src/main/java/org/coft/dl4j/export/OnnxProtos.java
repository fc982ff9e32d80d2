package org.coft.dl4j.export;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import onnx.Onnx;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.ByteString;

/** Builds the ONNX protobuf messages the export writes: float and int64 tensors, nodes, attributes, value infos. */
final class OnnxProtos {
    private OnnxProtos() {
    }

    /** A float32 tensor (raw little-endian data) named {@code name} with the array's shape and values. */
    static Onnx.TensorProto floats(String name, INDArray a) {
        INDArray f = a.castTo(DataType.FLOAT).dup('c');
        float[] v = f.data().asFloat();
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name)
                .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(b.array()));
        for (long d : f.shape()) {
            t.addDims(d);
        }
        return t.build();
    }

    /** An int64 tensor of the given dims (a scalar when none). */
    static Onnx.TensorProto longs(String name, long[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name)
                .setDataType(Onnx.TensorProto.DataType.INT64_VALUE).setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** A one-element int64 vector [v]. */
    static Onnx.TensorProto vector(String name, long v) {
        return longs(name, new long[] {v}, 1);
    }

    /** A node of the default domain whose name is its first output's. */
    static Onnx.NodeProto node(String op, List<String> inputs, List<String> outputs, Onnx.AttributeProto... attrs) {
        Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setOpType(op).setName(outputs.get(0))
                .addAllInput(inputs).addAllOutput(outputs);
        for (Onnx.AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        return n.build();
    }

    /** A node with one output. */
    static Onnx.NodeProto node(String op, List<String> inputs, String output, Onnx.AttributeProto... attrs) {
        return node(op, inputs, List.of(output), attrs);
    }

    static Onnx.AttributeProto intAttr(String name, long v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT).setI(v)
                .build();
    }

    static Onnx.AttributeProto intsAttr(String name, long... v) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    /** A float tensor value info; each dim a size ({@code Long}) or a symbol ({@code String}). */
    static Onnx.ValueInfoProto floatInfo(String name, Object... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof String s) {
                shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(s));
            } else {
                shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) d).longValue()));
            }
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(
                Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE)
                        .setShape(shape))).build();
    }
}
