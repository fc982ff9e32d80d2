package org.coft.clip.onnx.parity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import onnx.Onnx;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.ByteString;

/**
 * Builds small ONNX models in Java for parity tests: graph inputs whose dims are sizes ({@code Integer}/{@code
 * Long}) or symbols ({@code String}, e.g. the batch {@code "N"}), initializers and {@code Constant} nodes from
 * ND4J arrays, nodes with attributes, graph outputs, and the default-domain opset.
 *
 * <p>Node inputs and outputs are given as comma-separated names; an empty name is an omitted optional input
 * ({@code "x,,axes"}).
 */
public final class OnnxModelBuilder {
    public static final int FLOAT = Onnx.TensorProto.DataType.FLOAT_VALUE;
    public static final int INT32 = Onnx.TensorProto.DataType.INT32_VALUE;
    public static final int INT64 = Onnx.TensorProto.DataType.INT64_VALUE;
    public static final int BOOL = Onnx.TensorProto.DataType.BOOL_VALUE;
    public static final int DOUBLE = Onnx.TensorProto.DataType.DOUBLE_VALUE;

    /** A declared graph input: ONNX element type and dims (sizes or symbol names). */
    public record Input(String name, int elemType, List<Object> dims) { }

    private final long opset;
    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder().setName("parity");
    private final List<Input> inputs = new ArrayList<>();
    private int nodes;

    public OnnxModelBuilder(long opset) {
        this.opset = opset;
    }

    public long opset() {
        return opset;
    }

    public List<Input> inputs() {
        return List.copyOf(inputs);
    }

    /** Adds a graph input; each dim is an Integer/Long size or a String symbol. */
    public OnnxModelBuilder input(String name, int elemType, Object... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof String s) {
                shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(s));
            } else {
                shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) d).longValue()));
            }
        }
        graph.addInput(Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))));
        inputs.add(new Input(name, elemType, Arrays.asList(dims)));
        return this;
    }

    /** Adds a graph output with its element type and no shape (ONNX Runtime infers it). */
    public OnnxModelBuilder output(String name, int elemType) {
        graph.addOutput(Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(elemType))));
        return this;
    }

    public OnnxModelBuilder initializer(String name, INDArray value) {
        graph.addInitializer(tensor(name, value));
        return this;
    }

    /** A {@code Constant} node producing {@code name}. */
    public OnnxModelBuilder constant(String name, INDArray value) {
        return node("Constant", "", name, Onnx.AttributeProto.newBuilder().setName("value")
                .setType(Onnx.AttributeProto.AttributeType.TENSOR).setT(tensor("", value)).build());
    }

    /** Adds a node named {@code <op>_<n>}; inputs and outputs are comma-separated names. */
    public OnnxModelBuilder node(String opType, String inputs, String outputs, Onnx.AttributeProto... attrs) {
        return namedNode(opType + "_" + nodes, opType, inputs, outputs, attrs);
    }

    public OnnxModelBuilder namedNode(String name, String opType, String inputs, String outputs,
                                      Onnx.AttributeProto... attrs) {
        Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setName(name).setOpType(opType);
        if (!inputs.isEmpty()) {
            n.addAllInput(Arrays.asList(inputs.split(",", -1)));
        }
        n.addAllOutput(Arrays.asList(outputs.split(",", -1)));
        n.addAllAttribute(Arrays.asList(attrs));
        graph.addNode(n);
        nodes++;
        return this;
    }

    public Onnx.ModelProto build() {
        return Onnx.ModelProto.newBuilder()
                .setIrVersion(9)
                .setProducerName("coft-parity-tests")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph)
                .build();
    }

    public byte[] bytes() {
        return build().toByteArray();
    }

    /** Writes the model to {@code dir/fileName} and returns the path. */
    public Path write(Path dir, String fileName) throws IOException {
        Path p = dir.resolve(fileName);
        Files.write(p, bytes());
        return p;
    }

    // ---- attributes -------------------------------------------------------------------------------------

    public static Onnx.AttributeProto intAttr(String name, long v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT).setI(v)
                .build();
    }

    public static Onnx.AttributeProto floatAttr(String name, double v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT)
                .setF((float) v).build();
    }

    public static Onnx.AttributeProto intsAttr(String name, long... v) {
        Onnx.AttributeProto.Builder b = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long x : v) {
            b.addInts(x);
        }
        return b.build();
    }

    public static Onnx.AttributeProto stringAttr(String name, String v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    public static Onnx.AttributeProto tensorAttr(String name, INDArray v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.TENSOR)
                .setT(tensor("", v)).build();
    }

    // ---- tensors ----------------------------------------------------------------------------------------

    /** Encodes an array as a TensorProto with little-endian raw data. */
    public static Onnx.TensorProto tensor(String name, INDArray value) {
        INDArray a = value.dup('c');
        int n = (int) a.length();
        DataType t = a.dataType();
        ByteBuffer buf;
        int code;
        switch (t) {
            case FLOAT -> {
                code = FLOAT;
                buf = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : a.data().asFloat()) {
                    buf.putFloat(f);
                }
            }
            case DOUBLE -> {
                code = DOUBLE;
                buf = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (double d : a.data().asDouble()) {
                    buf.putDouble(d);
                }
            }
            case LONG -> {
                code = INT64;
                buf = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (long l : a.data().asLong()) {
                    buf.putLong(l);
                }
            }
            case INT -> {
                code = INT32;
                buf = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (int i : a.data().asInt()) {
                    buf.putInt(i);
                }
            }
            case BOOL -> {
                code = BOOL;
                buf = ByteBuffer.allocate(n);
                for (int i : a.castTo(DataType.INT).data().asInt()) {
                    buf.put((byte) (i != 0 ? 1 : 0));
                }
            }
            default -> throw new IllegalArgumentException("no encoder for " + t);
        }
        buf.flip();
        Onnx.TensorProto.Builder b = Onnx.TensorProto.newBuilder().setName(name).setDataType(code)
                .setRawData(ByteString.copyFrom(buf));
        for (long d : a.shape()) {
            b.addDims(d);
        }
        return b.build();
    }
}
