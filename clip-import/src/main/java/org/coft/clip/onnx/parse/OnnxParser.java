package org.coft.clip.onnx.parse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;
import org.coft.clip.onnx.OnnxImportException;
import org.coft.clip.onnx.ir.Attr;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.CodedInputStream;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;

/**
 * Reads an ONNX file into an {@link IrGraph}: initializers and {@code Constant} nodes become constants, graph
 * inputs keep their (possibly symbolic) shapes, every other node is copied with decoded attributes.
 */
public final class OnnxParser {
    private OnnxParser() {
    }

    public static IrGraph parse(Path file) throws OnnxImportException {
        Read r = readModel(file);
        try {
            return parse(r.model(), file.toString(), file.toAbsolutePath().getParent());
        } finally {
            r.release();
        }
    }

    /**
     * Like {@link #parse(Path)} but keeps only the initializers with at most {@code maxInitializerElements}
     * elements: for reading structure and small constants (e.g. the logit scale of a whole CLIP export) without
     * decoding every weight into native memory.
     */
    public static IrGraph parseStructure(Path file, long maxInitializerElements) throws OnnxImportException {
        Read r = readModel(file);
        try {
            return parseStructure(r.model(), file, maxInitializerElements);
        } finally {
            r.release();
        }
    }

    private static IrGraph parseStructure(Onnx.ModelProto model, Path file, long maxInitializerElements)
            throws OnnxImportException {
        Onnx.GraphProto.Builder g = model.getGraph().toBuilder().clearInitializer();
        Set<String> omitted = new HashSet<>();
        for (Onnx.TensorProto t : model.getGraph().getInitializerList()) {
            long n = OnnxTensors.saturatingCount(t.getDimsList().stream().mapToLong(Long::longValue).toArray());
            if (n > maxInitializerElements) {
                omitted.add(t.getName());
            } else {
                g.addInitializer(t); // small, or a negative dim that decoding names
            }
        }
        Onnx.ModelProto small = model.toBuilder().setGraph(g).build();
        return parse(small, file.toString(), file.toAbsolutePath().getParent(), omitted);
    }

    /**
     * A parsed model and the file mapping its bytes fields alias. {@link #release()} unmaps it at once (the weights'
     * file pages would otherwise stay resident until a GC finds the buffer): call it only when nothing read from the
     * model is used any more — {@code parse} copies every value it keeps (native arrays, Java strings).
     */
    private record Read(Onnx.ModelProto model, java.nio.MappedByteBuffer mapping) {
        void release() {
            if (mapping != null) {
                Unmapper.unmap(mapping);
            }
        }
    }

    /** Unmaps a mapped buffer through the JDK's {@code sun.misc.Unsafe.invokeCleaner} when it is there. */
    private static final class Unmapper {
        private static final java.lang.invoke.MethodHandle CLEAN = find();

        private static java.lang.invoke.MethodHandle find() {
            try {
                Class<?> unsafe = Class.forName("sun.misc.Unsafe");
                java.lang.reflect.Field f = unsafe.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                java.lang.invoke.MethodType type = java.lang.invoke.MethodType.methodType(void.class,
                        java.nio.ByteBuffer.class);
                return java.lang.invoke.MethodHandles.lookup().findVirtual(unsafe, "invokeCleaner", type)
                        .bindTo(f.get(null));
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null; // the mapping then goes when the GC collects it
            }
        }

        static void unmap(java.nio.MappedByteBuffer b) {
            if (CLEAN != null) {
                try {
                    CLEAN.invoke(b);
                } catch (Throwable e) {
                    // left to the GC
                }
            }
        }
    }

    private static Read readModel(Path file) throws OnnxImportException {
        Onnx.ModelProto model;
        java.nio.MappedByteBuffer mapping = null;
        if (!Files.isRegularFile(file)) {
            throw new OnnxImportException(file.toString(), "no such file", null);
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            long size = ch.size();
            if (size < Integer.MAX_VALUE) {
                // the file mapped and the weights' bytes aliased, not copied onto the heap: decoding copies them once,
                // straight into native memory, and the mapping is released right after (ViT-B/32, parsing both
                // towers alone: peak 1.86 -> 1.09 GB, see docs/benchmarks.md). A wrapped ByteString decodes as an
                // immutable buffer: only then does protobuf alias bytes fields.
                mapping = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, size);
                CodedInputStream cis = org.nd4j.shade.protobuf.UnsafeByteOperations.unsafeWrap(mapping).newCodedInput();
                cis.enableAliasing(true);
                cis.setSizeLimit(Integer.MAX_VALUE);
                model = Onnx.ModelProto.parseFrom(cis);
            } else {
                try (InputStream in = Files.newInputStream(file)) {
                    CodedInputStream cis = CodedInputStream.newInstance(in);
                    cis.setSizeLimit(Integer.MAX_VALUE);
                    model = Onnx.ModelProto.parseFrom(cis);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxImportException(file.toString(),
                    "not a valid ONNX model (protobuf decoding failed: " + e.getMessage() + "); is the file truncated?", e);
        } catch (IOException e) {
            throw new OnnxImportException(file.toString(), "cannot read: " + e.getMessage(), e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new OnnxImportException(file.toString(),
                    "not a valid ONNX model: it has no graph nodes (is the file truncated or not an ONNX model?)", null);
        }
        return new Read(model, mapping);
    }

    public static IrGraph parse(Onnx.ModelProto model, String source, Path baseDir) throws OnnxImportException {
        return parse(model, source, baseDir, Set.of());
    }

    private static IrGraph parse(Onnx.ModelProto model, String source, Path baseDir, Set<String> omitted)
            throws OnnxImportException {
        Map<String, Long> opsets = new HashMap<>();
        for (Onnx.OperatorSetIdProto o : model.getOpsetImportList()) {
            String d = o.getDomain();
            opsets.put(d.equals("ai.onnx") ? "" : d, o.getVersion());
        }
        opsets.putIfAbsent("", 1L);
        Onnx.GraphProto g = model.getGraph();
        IrGraph ir = new IrGraph(source, opsets);
        try {
            for (Onnx.TensorProto t : g.getInitializerList()) {
                if (ir.constants().containsKey(t.getName())) {
                    throw new IOException("initializer '" + t.getName() + "' is defined twice");
                }
                INDArray a = OnnxTensors.decode(t, baseDir);
                ir.constants().put(t.getName(), a);
                ir.initializers().add(t.getName());
                ir.types().put(t.getName(), TensorType.of(a.dataType(), a.shape()));
            }
        } catch (IOException e) {
            throw new OnnxImportException(source, "bad initializer: " + e.getMessage(), e);
        }
        Set<String> usedSymbols = new HashSet<>();
        for (Onnx.ValueInfoProto vi : g.getInputList()) {
            if (ir.constants().containsKey(vi.getName())) {
                continue;
            }
            TensorType type = valueType(vi, source);
            ir.inputs().put(vi.getName(), type);
            ir.types().put(vi.getName(), type);
            for (Dim d : type.shape()) {
                if (!d.isKnown()) {
                    usedSymbols.add(d.symbol());
                }
            }
        }
        List<OnnxImportException.Problem> problems = new ArrayList<>();
        Map<String, INDArray> constants = new LinkedHashMap<>();
        parseNodes(g.getNodeList(), opsets, baseDir, ir.nodes(), constants, problems);
        for (Map.Entry<String, INDArray> c : constants.entrySet()) {
            ir.constants().put(c.getKey(), c.getValue());
            ir.types().put(c.getKey(), TensorType.of(c.getValue().dataType(), c.getValue().shape()));
        }
        if (!problems.isEmpty()) {
            throw new OnnxImportException(source, problems);
        }
        for (Onnx.ValueInfoProto vi : g.getOutputList()) {
            ir.outputs().add(vi.getName());
        }
        GraphValidator.validate(ir, omitted);
        return ir;
    }

    private static void parseNodes(List<Onnx.NodeProto> protos, Map<String, Long> opsets, Path baseDir,
                                   List<IrNode> nodes, Map<String, INDArray> constants,
                                   List<OnnxImportException.Problem> problems) {
        for (Onnx.NodeProto n : protos) {
            String name = n.getName().isEmpty() ? n.getOpType() + "_" + String.join("_", n.getOutputList()) : n.getName();
            Map<String, Attr> attrs = new LinkedHashMap<>();
            for (Onnx.AttributeProto a : n.getAttributeList()) {
                try {
                    if (a.getType() == Onnx.AttributeProto.AttributeType.GRAPH) {
                        List<IrNode> sub = new ArrayList<>();
                        Map<String, INDArray> subConst = new LinkedHashMap<>();
                        parseNodes(a.getG().getNodeList(), opsets, baseDir, sub, subConst, problems);
                        for (Onnx.TensorProto t : a.getG().getInitializerList()) {
                            subConst.put(t.getName(), OnnxTensors.decode(t, baseDir));
                        }
                        List<String> outs = a.getG().getOutputList().stream().map(Onnx.ValueInfoProto::getName).toList();
                        attrs.put(a.getName(), Attr.ofGraph(new Attr.Subgraph(sub, subConst, outs)));
                    } else {
                        attrs.put(a.getName(), attribute(a, baseDir));
                    }
                } catch (IOException e) {
                    problems.add(new OnnxImportException.Problem(name, n.getOpType(), n.getDomain(),
                            opsets.getOrDefault(n.getDomain(), -1L), "bad attribute '" + a.getName() + "': " + e.getMessage()));
                }
            }
            if (n.getOutputCount() == 0 || n.getOutputList().stream().allMatch(String::isEmpty)) {
                problems.add(new OnnxImportException.Problem(name, n.getOpType(), n.getDomain(),
                        opsets.getOrDefault(n.getDomain(), -1L), "node has no outputs"));
                continue;
            }
            if (n.getOpType().equals("Constant") && n.getDomain().isEmpty()) {
                INDArray value = constantValue(attrs);
                if (value == null) {
                    problems.add(new OnnxImportException.Problem(name, "Constant", "", opsets.get(""),
                            "Constant without a supported value attribute (have " + attrs.keySet() + ")"));
                    continue;
                }
                if (constants.put(n.getOutput(0), value) != null) {
                    problems.add(new OnnxImportException.Problem(name, "Constant", "", opsets.getOrDefault("", -1L),
                            "output '" + n.getOutput(0) + "' is already defined by another Constant node"));
                }
                continue;
            }
            nodes.add(new IrNode(name, n.getOpType(), n.getDomain(), n.getInputList(), n.getOutputList(), attrs));
        }
    }

    private static INDArray constantValue(Map<String, Attr> attrs) {
        if (attrs.containsKey("value")) {
            return attrs.get("value").tensor();
        }
        if (attrs.containsKey("value_float")) {
            return org.nd4j.linalg.factory.Nd4j.scalar((float) attrs.get("value_float").f());
        }
        if (attrs.containsKey("value_int")) {
            return org.nd4j.linalg.factory.Nd4j.scalar(attrs.get("value_int").i());
        }
        if (attrs.containsKey("value_ints")) {
            return org.nd4j.linalg.factory.Nd4j.createFromArray(attrs.get("value_ints").ints());
        }
        if (attrs.containsKey("value_floats")) {
            return org.nd4j.linalg.factory.Nd4j.createFromArray(attrs.get("value_floats").floats());
        }
        return null;
    }

    private static TensorType valueType(Onnx.ValueInfoProto vi, String source) throws OnnxImportException {
        if (!vi.getType().hasTensorType()) {
            throw new OnnxImportException(source, "graph input '" + vi.getName() + "' is not a tensor", null);
        }
        Onnx.TypeProto.Tensor tt = vi.getType().getTensorType();
        DataType dt = OnnxTensors.dataType(tt.getElemType());
        if (dt == null) {
            throw new OnnxImportException(source, "graph input '" + vi.getName() + "' has unsupported element type code "
                    + tt.getElemType(), null);
        }
        if (!tt.hasShape()) {
            throw new OnnxImportException(source, "graph input '" + vi.getName() + "' has no shape (unknown rank)", null);
        }
        List<Dim> dims = new ArrayList<>();
        int axis = 0;
        for (Onnx.TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
            if (d.hasDimValue() && d.getDimValue() < 1) {
                throw new OnnxImportException(source, "graph input '" + vi.getName() + "' axis " + axis + " has size "
                        + d.getDimValue() + "; a size must be ≥ 1 (or a symbolic name for a dynamic axis)", null);
            } else if (d.hasDimValue()) {
                dims.add(Dim.of(d.getDimValue()));
            } else if (d.hasDimParam() && !d.getDimParam().isEmpty()) {
                dims.add(Dim.symbol(d.getDimParam()));
            } else {
                dims.add(Dim.symbol(vi.getName() + "_dim" + axis));
            }
            axis++;
        }
        return new TensorType(dt, dims);
    }

    private static Attr attribute(Onnx.AttributeProto a, Path baseDir) throws IOException {
        return switch (a.getType()) {
            case INT -> Attr.ofInt(a.getI());
            case FLOAT -> Attr.ofFloat(a.getF());
            case STRING -> Attr.ofString(a.getS().toStringUtf8());
            case INTS -> Attr.ofInts(a.getIntsList().stream().mapToLong(Long::longValue).toArray());
            case FLOATS -> {
                float[] f = new float[a.getFloatsCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = a.getFloats(i);
                }
                yield Attr.ofFloats(f);
            }
            case TENSOR -> Attr.ofTensor(OnnxTensors.decode(a.getT(), baseDir));
            case STRINGS -> Attr.ofStrings(a.getStringsList().stream().map(s -> s.toStringUtf8()).toList());
            default -> Attr.other(Attr.Kind.OTHER);
        };
    }
}
