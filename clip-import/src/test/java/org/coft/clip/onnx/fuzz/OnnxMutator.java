package org.coft.clip.onnx.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import onnx.Onnx;
import org.nd4j.shade.protobuf.ByteString;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;

/**
 * Mutates ONNX models: byte-level (bit flips, truncation, zeroed ranges, duplicated chunks) and protobuf-aware
 * (opsets, input dims, outputs, initializer dims / types / data / external-data entries, node attributes, inputs,
 * outputs, op types, node order, Constant values). Every mutant is a pure function of the seed model and the
 * mutation seed, so a failing case is reproduced from its two numbers.
 */
final class OnnxMutator {
    /** One mutant: how it was made and its bytes. */
    record Mutant(String description, byte[] bytes) { }

    /** Values that break assumptions: negative, zero, off-by-one, huge. */
    private static final long[] NASTY = {-1000, -5, -3, -2, -1, 0, 1, 2, 3, 7, 64, 1000, 1L << 20, 1L << 31,
            (1L << 31) - 1, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};
    private static final String[] OPS = {"Gather", "Reshape", "Transpose", "Slice", "Concat", "Expand", "Squeeze",
            "Unsqueeze", "Split", "ConstantOfShape", "Range", "MatMul", "Gemm", "Conv", "Softmax", "ReduceMean",
            "ArgMax", "Pad", "Where", "Trilu", "Flatten", "Cast", "Add", "LayerNormalization", "AveragePool",
            "MaxPool", "BatchNormalization", "Identity", "Shape", "NoSuchOp"};
    private static final String[] LOCATIONS = {"../../../../etc/passwd", "/etc/passwd", "..", "", "missing.bin",
            "sub/../../x.bin", "model.onnx"};

    private OnnxMutator() {
    }

    static Mutant mutate(byte[] seedBytes, Onnx.ModelProto seedModel, long seed) {
        Random r = new Random(seed);
        int kind = r.nextInt(10);
        return switch (kind) {
            case 0 -> flip(seedBytes, r);
            case 1 -> truncate(seedBytes, r);
            case 2 -> zero(seedBytes, r);
            case 3 -> duplicate(seedBytes, r);
            default -> structured(seedModel, r);
        };
    }

    static Onnx.ModelProto parse(byte[] bytes) {
        try {
            return Onnx.ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("fuzz seed is not an ONNX model", e);
        }
    }

    private static Mutant flip(byte[] b, Random r) {
        byte[] m = b.clone();
        int flips = 1 + r.nextInt(8);
        StringBuilder at = new StringBuilder();
        for (int i = 0; i < flips; i++) {
            int pos = r.nextInt(m.length);
            m[pos] ^= (byte) (1 << r.nextInt(8));
            at.append(i == 0 ? "" : ",").append(pos);
        }
        return new Mutant("bit flips at " + at, m);
    }

    private static Mutant truncate(byte[] b, Random r) {
        int len = r.nextInt(b.length);
        return new Mutant("truncated to " + len + " of " + b.length + " bytes", java.util.Arrays.copyOf(b, len));
    }

    private static Mutant zero(byte[] b, Random r) {
        byte[] m = b.clone();
        int pos = r.nextInt(m.length);
        int len = Math.min(m.length - pos, 1 + r.nextInt(64));
        java.util.Arrays.fill(m, pos, pos + len, (byte) 0);
        return new Mutant("zeroed " + len + " bytes at " + pos, m);
    }

    private static Mutant duplicate(byte[] b, Random r) {
        int from = r.nextInt(b.length);
        int len = Math.min(b.length - from, 1 + r.nextInt(256));
        int to = r.nextInt(b.length + 1);
        byte[] m = new byte[b.length + len];
        System.arraycopy(b, 0, m, 0, to);
        System.arraycopy(b, from, m, to, len);
        System.arraycopy(b, to, m, to + len, b.length - to);
        return new Mutant("duplicated " + len + " bytes from " + from + " at " + to, m);
    }

    private static long nasty(Random r) {
        return r.nextInt(3) == 0 ? r.nextInt(20) - 5 : NASTY[r.nextInt(NASTY.length)];
    }

    /** One to three protobuf-aware edits. */
    private static Mutant structured(Onnx.ModelProto seed, Random r) {
        Onnx.ModelProto.Builder m = seed.toBuilder();
        List<String> what = new ArrayList<>();
        int edits = 1 + r.nextInt(3);
        for (int i = 0; i < edits; i++) {
            what.add(edit(m, r));
        }
        return new Mutant(String.join("; ", what), m.build().toByteArray());
    }

    private static String edit(Onnx.ModelProto.Builder m, Random r) {
        Onnx.GraphProto.Builder g = m.getGraphBuilder();
        int kind = r.nextInt(16);
        switch (kind) {
            case 0: {
                long v = nasty(r);
                if (m.getOpsetImportCount() == 0) {
                    m.addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(v));
                } else {
                    m.getOpsetImportBuilder(0).setVersion(v);
                }
                return "opset " + v;
            }
            case 1: {
                if (g.getInputCount() == 0) {
                    return "no input to edit";
                }
                int i = r.nextInt(g.getInputCount());
                var shape = g.getInputBuilder(i).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
                if (shape.getDimCount() == 0) {
                    shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(nasty(r)));
                    return "input " + i + " gains a dim";
                }
                int a = r.nextInt(shape.getDimCount());
                long v = nasty(r);
                shape.getDimBuilder(a).setDimValue(v);
                return "input " + i + " dim " + a + " = " + v;
            }
            case 2: {
                if (r.nextBoolean()) {
                    g.clearOutput();
                    return "no outputs";
                }
                if (g.getOutputCount() > 0) {
                    g.getOutputBuilder(r.nextInt(g.getOutputCount())).setName("no_such_value");
                }
                return "output renamed to an unknown value";
            }
            case 3: case 4: {
                if (g.getInitializerCount() == 0) {
                    return "no initializer";
                }
                int i = r.nextInt(g.getInitializerCount());
                Onnx.TensorProto.Builder t = g.getInitializerBuilder(i);
                return "initializer " + t.getName() + ": " + tensorEdit(t, r);
            }
            case 5: case 6: case 7: {
                if (g.getNodeCount() == 0) {
                    return "no node";
                }
                int i = r.nextInt(g.getNodeCount());
                Onnx.NodeProto.Builder n = g.getNodeBuilder(i);
                if (n.getAttributeCount() == 0) {
                    n.addAttribute(Onnx.AttributeProto.newBuilder().setName("axis")
                            .setType(Onnx.AttributeProto.AttributeType.INT).setI(nasty(r)));
                    return "node " + i + " gains axis";
                }
                Onnx.AttributeProto.Builder a = n.getAttributeBuilder(r.nextInt(n.getAttributeCount()));
                return "node " + i + " (" + n.getOpType() + ") attribute " + a.getName() + ": " + attrEdit(a, r);
            }
            case 8: {
                if (g.getNodeCount() == 0) {
                    return "no node";
                }
                Onnx.NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
                List<String> names = valueNames(g);
                if (n.getInputCount() == 0 || names.isEmpty()) {
                    n.addInput(names.isEmpty() ? "x" : names.get(r.nextInt(names.size())));
                    return "node gains an input";
                }
                int slot = r.nextInt(n.getInputCount());
                String v = switch (r.nextInt(3)) {
                    case 0 -> "";
                    case 1 -> "unknown_value";
                    default -> names.get(r.nextInt(names.size()));
                };
                n.setInput(slot, v);
                return "node " + n.getName() + " input " + slot + " = '" + v + "'";
            }
            case 9: {
                if (g.getNodeCount() == 0) {
                    return "no node";
                }
                int i = r.nextInt(g.getNodeCount());
                if (r.nextBoolean()) {
                    g.removeNode(i);
                    return "node " + i + " removed";
                }
                g.addNode(g.getNode(i));
                return "node " + i + " duplicated";
            }
            case 10: {
                if (g.getNodeCount() == 0) {
                    return "no node";
                }
                Onnx.NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
                String op = OPS[r.nextInt(OPS.length)];
                String was = n.getOpType();
                n.setOpType(op);
                return "node " + n.getName() + " " + was + " -> " + op;
            }
            case 11: {
                if (g.getNodeCount() == 0) {
                    return "no node";
                }
                Onnx.NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
                if (r.nextBoolean()) {
                    n.clearOutput();
                    return "node " + n.getName() + " without outputs";
                }
                n.clearInput();
                return "node " + n.getName() + " without inputs";
            }
            case 12: {
                if (g.getNodeCount() < 2) {
                    return "too few nodes to swap";
                }
                int a = r.nextInt(g.getNodeCount());
                int b = r.nextInt(g.getNodeCount());
                Onnx.NodeProto na = g.getNode(a);
                g.setNode(a, g.getNode(b));
                g.setNode(b, na);
                return "nodes " + a + " and " + b + " swapped";
            }
            case 13: {
                // a Constant node's value: where constant folding reads indices and shapes
                for (int tries = 0; tries < 8 && g.getNodeCount() > 0; tries++) {
                    Onnx.NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
                    for (Onnx.AttributeProto.Builder a : n.getAttributeBuilderList()) {
                        if (a.getType() == Onnx.AttributeProto.AttributeType.TENSOR) {
                            return "constant " + n.getName() + ": " + tensorEdit(a.getTBuilder(), r);
                        }
                    }
                }
                return "no constant found";
            }
            case 14: {
                if (g.getInputCount() == 0) {
                    return "no input";
                }
                var tt = g.getInputBuilder(r.nextInt(g.getInputCount())).getTypeBuilder().getTensorTypeBuilder();
                int code = r.nextInt(20);
                tt.setElemType(code);
                if (r.nextBoolean()) {
                    tt.clearShape();
                    return "input type " + code + ", no shape";
                }
                return "input element type " + code;
            }
            default: {
                List<String> names = valueNames(g);
                if (g.getNodeCount() == 0 || names.isEmpty()) {
                    return "no node";
                }
                Onnx.NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
                if (n.getOutputCount() == 0) {
                    return "no output to rename";
                }
                String v = names.get(r.nextInt(names.size()));
                n.setOutput(0, v);
                return "node " + n.getName() + " output 0 = '" + v + "' (a duplicate name)";
            }
        }
    }

    private static List<String> valueNames(Onnx.GraphProto.Builder g) {
        List<String> names = new ArrayList<>();
        for (Onnx.ValueInfoProto v : g.getInputList()) {
            names.add(v.getName());
        }
        for (Onnx.TensorProto t : g.getInitializerList()) {
            names.add(t.getName());
        }
        for (Onnx.NodeProto n : g.getNodeList()) {
            names.addAll(n.getOutputList());
        }
        return names;
    }

    private static String tensorEdit(Onnx.TensorProto.Builder t, Random r) {
        switch (r.nextInt(8)) {
            case 0: {
                if (t.getDimsCount() == 0) {
                    t.addDims(nasty(r));
                    return "gains a dim";
                }
                int a = r.nextInt(t.getDimsCount());
                long v = nasty(r);
                t.setDims(a, v);
                return "dim " + a + " = " + v;
            }
            case 1: {
                int code = r.nextInt(20);
                t.setDataType(code);
                return "data type " + code;
            }
            case 2: {
                t.clearRawData();
                return "no raw data";
            }
            case 3: {
                t.clearExternalData();
                t.setDataLocation(Onnx.TensorProto.DataLocation.EXTERNAL);
                String loc = LOCATIONS[r.nextInt(LOCATIONS.length)];
                t.addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("location").setValue(loc));
                String[] offsets = {"0", "-5", "abc", "99999999999999999999", "8"};
                String off = offsets[r.nextInt(offsets.length)];
                t.addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("offset").setValue(off));
                if (r.nextBoolean()) {
                    String len = String.valueOf(nasty(r));
                    t.addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("length").setValue(len));
                    return "external data " + loc + " offset " + off + " length " + len;
                }
                return "external data " + loc + " offset " + off;
            }
            case 4: {
                // new values for an integer tensor (indices, shapes, axes), keeping its byte width
                ByteString raw = t.getRawData();
                if (raw.isEmpty()) {
                    t.addInt64Data(nasty(r));
                    return "typed value appended";
                }
                byte[] b = raw.toByteArray();
                int width = t.getDataType() == Onnx.TensorProto.DataType.INT64_VALUE
                        || t.getDataType() == Onnx.TensorProto.DataType.DOUBLE_VALUE ? 8 : 4;
                int count = Math.max(1, b.length / width);
                int k = r.nextInt(count);
                long v = nasty(r);
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                if (width == 8 && b.length >= 8 * (k + 1)) {
                    bb.putLong(8 * k, v);
                } else if (b.length >= 4 * (k + 1)) {
                    bb.putInt(4 * k, (int) v);
                }
                t.setRawData(ByteString.copyFrom(b));
                return "element " + k + " = " + v;
            }
            case 5: {
                t.clearDims();
                return "scalar shape";
            }
            case 6: {
                ByteString raw = t.getRawData();
                int cut = raw.isEmpty() ? 0 : r.nextInt(raw.size());
                t.setRawData(raw.substring(0, cut));
                return "raw data cut to " + cut + " bytes";
            }
            default: {
                t.addDims(1 + r.nextInt(3));
                return "extra dim";
            }
        }
    }

    private static String attrEdit(Onnx.AttributeProto.Builder a, Random r) {
        switch (a.getType()) {
            case INT: {
                long v = nasty(r);
                a.setI(v);
                return "= " + v;
            }
            case INTS: {
                if (a.getIntsCount() == 0 || r.nextInt(4) == 0) {
                    a.addInts(nasty(r));
                    return "gains a value";
                }
                if (r.nextInt(4) == 0) {
                    a.clearInts();
                    return "emptied";
                }
                int k = r.nextInt(a.getIntsCount());
                long v = nasty(r);
                a.setInts(k, v);
                return "[" + k + "] = " + v;
            }
            case FLOAT: {
                float[] v = {Float.NaN, Float.POSITIVE_INFINITY, -1f, 0f, 1e30f};
                float f = v[r.nextInt(v.length)];
                a.setF(f);
                return "= " + f;
            }
            case TENSOR:
                return tensorEdit(a.getTBuilder(), r);
            case GRAPH:
                a.getGBuilder().clearOutput();
                return "subgraph without outputs";
            default: {
                a.setType(Onnx.AttributeProto.AttributeType.INT).setI(nasty(r));
                return "retyped to INT";
            }
        }
    }
}
