package org.coft.clip.tf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.shade.protobuf.ByteString;
import org.tensorflow.framework.AttrValue;
import org.tensorflow.framework.DataType;
import org.tensorflow.framework.GraphDef;
import org.tensorflow.framework.NodeDef;
import org.tensorflow.framework.TensorProto;
import org.tensorflow.framework.TensorShapeProto;

/** Hand-built TF GraphDefs for parser tests (TensorFlow's protobuf classes from nd4j-api). */
final class GraphDefBuilder {
    private final GraphDef.Builder g = GraphDef.newBuilder();

    GraphDefBuilder placeholder(String name, DataType type, long... shape) {
        g.addNode(NodeDef.newBuilder().setName(name).setOp("Placeholder").putAttr("dtype", type(type))
                .putAttr("shape", AttrValue.newBuilder().setShape(shape(shape)).build()));
        return this;
    }

    GraphDefBuilder constF(String name, float[] v, long... shape) {
        TensorProto.Builder t = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(shape));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        t.setTensorContent(ByteString.copyFrom(b.array()));
        return constant(name, t.build());
    }

    GraphDefBuilder constI(String name, int... v) {
        TensorProto.Builder t = TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(shape(v.length));
        for (int x : v) {
            t.addIntVal(x);
        }
        return constant(name, t.build());
    }

    private GraphDefBuilder constant(String name, TensorProto t) {
        g.addNode(NodeDef.newBuilder().setName(name).setOp("Const").putAttr("dtype", type(t.getDtype()))
                .putAttr("value", AttrValue.newBuilder().setTensor(t).build()));
        return this;
    }

    /** A node; attrs as key, value pairs (Long → i, Boolean → b, String → s, long[] → list of ints). */
    GraphDefBuilder node(String name, String op, String[] inputs, Object... attrs) {
        NodeDef.Builder n = NodeDef.newBuilder().setName(name).setOp(op);
        for (String in : inputs) {
            n.addInput(in);
        }
        for (int i = 0; i < attrs.length; i += 2) {
            Object v = attrs[i + 1];
            AttrValue.Builder a = AttrValue.newBuilder();
            if (v instanceof Long l) {
                a.setI(l);
            } else if (v instanceof Boolean b) {
                a.setB(b);
            } else if (v instanceof String s) {
                a.setS(ByteString.copyFromUtf8(s));
            } else if (v instanceof DataType d) {
                a.setType(d);
            } else if (v instanceof long[] l) {
                AttrValue.ListValue.Builder lv = AttrValue.ListValue.newBuilder();
                for (long x : l) {
                    lv.addI(x);
                }
                a.setList(lv);
            }
            n.putAttr((String) attrs[i], a.build());
        }
        g.addNode(n);
        return this;
    }

    GraphDef build() {
        return g.build();
    }

    Path write(Path file) throws IOException {
        Files.write(file, build().toByteArray());
        return file;
    }

    private static AttrValue type(DataType t) {
        return AttrValue.newBuilder().setType(t).build();
    }

    static TensorShapeProto shape(long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return s.build();
    }
}
