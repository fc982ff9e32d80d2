package org.coft.clip.tf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.coft.clip.onnx.OnnxImportException;
import org.coft.clip.onnx.OnnxImportException.Problem;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.TensorType;
import org.coft.clip.onnx.parse.GraphValidator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.CodedInputStream;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;
import org.tensorflow.framework.AttrValue;
import org.tensorflow.framework.GraphDef;
import org.tensorflow.framework.NodeDef;
import org.tensorflow.framework.TensorShapeProto;

/**
 * Reads a TensorFlow {@code GraphDef} into an {@link IrGraph} in the ONNX op vocabulary (opset
 * {@value #OPSET}): keeps only the nodes the outputs need, in dependency order; {@code Const}s become constants,
 * reads of a constant ({@code Identity}, {@code ReadVariableOp}) that constant, {@code Placeholder}s graph inputs (an unknown dimension is the symbol {@code <input>_dim<axis>}; a leading one is
 * that input's dynamic batch — inputs get separate batch symbols, as a CLIP's texts and images have separate batches),
 * variables ({@code VariableV2}, {@code VarHandleOp}) constants from the values a SavedModel's checkpoint provides,
 * every other op goes through its {@link TfOpConverter}. Every unsupported op and bad node is reported at once.
 */
public final class TfGraphParser {
    /** ONNX opset of the emitted vocabulary. */
    public static final long OPSET = 17;
    /** Ops the parser resolves itself. */
    static final Set<String> PARSER_OPS = Set.of("Const", "Placeholder", "VariableV2", "VarHandleOp");
    private static final Set<String> VARIABLE_OPS = Set.of("VariableV2", "VarHandleOp");
    /** Ops without data outputs; never graph outputs when sinks are taken as outputs. */
    private static final Set<String> NOT_OUTPUTS = Set.of("NoOp", "Assign", "AssignVariableOp", "SaveV2", "Save",
            "RestoreV2", "MergeV2Checkpoints", "Const", "Placeholder", "VariableV2", "VarHandleOp", "ShardedFilename",
            "StringJoin");

    private TfGraphParser() {
    }

    /** Values of variables by name (a checkpoint); null for an unknown name. */
    @FunctionalInterface
    interface Variables {
        INDArray read(String name) throws IOException;
    }

    /**
     * Parses a frozen GraphDef file; {@code outputs} are tensor names ({@code node} or {@code node:i}), or null for
     * every node no other node reads.
     */
    public static IrGraph parseFrozen(Path file, List<String> outputs) throws TfImportException {
        GraphDef g = readGraphDef(file);
        return parse(g, file.toString(), name -> null, true, outputs);
    }

    /** Reads and decodes a GraphDef file; a truncated or foreign file is a {@link TfImportException}. */
    public static GraphDef readGraphDef(Path file) throws TfImportException {
        if (!Files.isRegularFile(file)) {
            throw new TfImportException(file.toString(), "no such file", null);
        }
        GraphDef g;
        try {
            CodedInputStream in = CodedInputStream.newInstance(Files.readAllBytes(file));
            in.setSizeLimit(Integer.MAX_VALUE);
            g = GraphDef.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new TfImportException(file.toString(), "not a valid TensorFlow GraphDef (protobuf decoding failed: "
                    + e.getMessage() + "); is the file truncated?", e);
        } catch (IOException e) {
            throw new TfImportException(file.toString(), "cannot read: " + e.getMessage(), e);
        }
        if (g.getNodeCount() == 0) {
            throw new TfImportException(file.toString(), "not a valid TensorFlow GraphDef: it has no nodes (is the file"
                    + " truncated or not a frozen graph?)", null);
        }
        return g;
    }

    /**
     * Parses a GraphDef.
     *
     * @param variables       values of variables by node name (or {@code shared_name}), e.g. from a checkpoint
     * @param constsAreWeights whether floating-point {@code Const}s of rank ≥ 1 are model weights (frozen graphs);
     *                        a SavedModel's weights are its variables
     * @param outputs         tensor names to compute, or null for every node no other node reads
     */
    static IrGraph parse(GraphDef g, String source, Variables variables, boolean constsAreWeights,
                         List<String> outputs) throws TfImportException {
        List<Problem> problems = new ArrayList<>();
        long producer = g.hasVersions() ? g.getVersions().getProducer() : -1;
        Map<String, NodeDef> nodes = new LinkedHashMap<>();
        for (NodeDef n : g.getNodeList()) {
            if (nodes.put(n.getName(), n) != null) {
                problems.add(problem(n, producer, "a second node has this name"));
            }
        }
        List<String> outs = new ArrayList<>();
        for (String o : outputs != null ? outputs : sinks(nodes)) {
            String v = value(o);
            if (!nodes.containsKey(nodeName(v))) {
                problems.add(new Problem("", "", "", -1, "output '" + o + "' is not a node of the graph"));
            }
            outs.add(v);
        }
        if (!problems.isEmpty()) {
            throw new TfImportException(source, problems);
        }
        List<NodeDef> order = order(nodes, outs, source);
        IrGraph ir = new IrGraph(source, Map.of("", OPSET));
        TfOpRegistry registry = TfOpRegistry.standard();
        TfRanks ranks = new TfRanks(nodes);
        Map<String, String> aliases = new HashMap<>();
        Set<String> outputSet = new HashSet<>(outs);
        for (NodeDef n : order) {
            List<String> in = n.getInputList().stream().filter(x -> !x.startsWith("^")).map(TfGraphParser::value)
                    .map(v -> aliases.getOrDefault(v, v)).toList();
            try {
                switch (n.getOp()) {
                    case "Const" -> constant(ir, n, constsAreWeights);
                    case "Placeholder" -> placeholder(ir, n);
                    case "VariableV2", "VarHandleOp" -> variable(ir, n, variables);
                    case "Identity", "ReadVariableOp", "Snapshot", "StopGradient" -> {
                        if (ir.isConstant(in.get(0)) && !outputSet.contains(n.getName())) {
                            aliases.put(n.getName(), in.get(0)); // a variable read (or a copy): readers use the value
                        } else {
                            registry.find(n.getOp()).convert(new TfNodeContext(n, in, ir, ranks));
                        }
                    }
                    default -> {
                        TfOpConverter conv = registry.find(n.getOp());
                        if (conv == null) {
                            problems.add(problem(n, producer, "unsupported TensorFlow op"));
                            continue;
                        }
                        conv.convert(new TfNodeContext(n, in, ir, ranks));
                    }
                }
            } catch (IOException | RuntimeException e) {
                problems.add(problem(n, producer, e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new TfImportException(source, problems);
        }
        ir.outputs().addAll(outs.stream().map(v -> aliases.getOrDefault(v, v)).toList());
        TransposePairs.cancel(ir);
        KerasLayerNormFusion.apply(ir, ranks);
        dropUnread(ir);
        try {
            GraphValidator.validate(ir);
        } catch (OnnxImportException e) {
            throw new TfImportException(source, e.problems());
        }
        return ir;
    }

    /** Removes constants no node or output reads (e.g. a filter after its re-laid copy took its place). */
    private static void dropUnread(IrGraph ir) {
        Set<String> read = new HashSet<>(ir.outputs());
        ir.nodes().forEach(n -> read.addAll(n.inputs()));
        for (String c : new ArrayList<>(ir.constants().keySet())) {
            if (!read.contains(c)) {
                ir.constants().remove(c);
                ir.types().remove(c);
                ir.initializers().remove(c);
            }
        }
    }

    private static Problem problem(NodeDef n, long producer, String message) {
        return new Problem(n.getName(), n.getOp(), TfImportException.DOMAIN, producer, message);
    }

    /** {@code node:0} → {@code node}; other tensor names unchanged. */
    static String value(String tensor) {
        return tensor.endsWith(":0") ? tensor.substring(0, tensor.length() - 2) : tensor;
    }

    static String nodeName(String value) {
        int colon = value.lastIndexOf(':');
        return colon > 0 && value.substring(colon + 1).chars().allMatch(Character::isDigit)
                ? value.substring(0, colon) : value;
    }

    private static List<String> sinks(Map<String, NodeDef> nodes) {
        Set<String> read = new HashSet<>();
        for (NodeDef n : nodes.values()) {
            for (String in : n.getInputList()) {
                read.add(nodeName(in.startsWith("^") ? in.substring(1) : in));
            }
        }
        return nodes.values().stream().filter(n -> !read.contains(n.getName()) && !NOT_OUTPUTS.contains(n.getOp()))
                .map(NodeDef::getName).toList();
    }

    /** The nodes the outputs depend on through data inputs, each after its inputs (control edges ignored). */
    private static List<NodeDef> order(Map<String, NodeDef> nodes, List<String> outputs, String source)
            throws TfImportException {
        List<NodeDef> order = new ArrayList<>();
        Map<String, Integer> state = new HashMap<>(); // 1 visiting, 2 done
        List<Problem> problems = new ArrayList<>();
        for (String out : outputs) {
            Deque<String[]> stack = new ArrayDeque<>();
            stack.push(new String[] {nodeName(out)});
            while (!stack.isEmpty()) {
                String name = stack.peek()[0];
                NodeDef n = nodes.get(name);
                Integer st = state.get(name);
                if (st != null && st == 2) {
                    stack.pop();
                    continue;
                }
                if (st == null) {
                    state.put(name, 1);
                    for (String in : n.getInputList()) {
                        if (in.startsWith("^")) {
                            continue;
                        }
                        String dep = nodeName(in);
                        if (!nodes.containsKey(dep)) {
                            problems.add(new Problem(name, n.getOp(), TfImportException.DOMAIN, -1, "input '" + in
                                    + "' is not a node of the graph"));
                        } else if (state.get(dep) == null) {
                            stack.push(new String[] {dep});
                        } else if (state.get(dep) == 1) {
                            problems.add(new Problem(name, n.getOp(), TfImportException.DOMAIN, -1, "input '" + in
                                    + "' closes a cycle (control flow loops are not supported)"));
                        }
                    }
                    continue;
                }
                state.put(name, 2);
                order.add(n);
                stack.pop();
            }
        }
        if (!problems.isEmpty()) {
            throw new TfImportException(source, problems);
        }
        return order;
    }

    private static void constant(IrGraph ir, NodeDef n, boolean weights) throws IOException {
        AttrValue v = n.getAttrMap().get("value");
        if (v == null || !v.hasTensor()) {
            throw new IOException("Const without a tensor 'value'");
        }
        INDArray a;
        try {
            a = TfTensors.decode(v.getTensor());
        } catch (IOException e) {
            throw new IOException("bad Const value: " + e.getMessage(), e);
        }
        ir.constants().put(n.getName(), a);
        ir.types().put(n.getName(), TensorType.of(a.dataType(), a.shape()));
        if (weights && a.dataType().isFPType() && a.rank() >= 1) {
            ir.initializers().add(n.getName());
        }
    }

    private static void placeholder(IrGraph ir, NodeDef n) throws IOException {
        AttrValue dtype = n.getAttrMap().get("dtype");
        DataType type = dtype == null ? null : TfTensors.dataType(dtype.getType());
        if (type == null) {
            throw new IOException("Placeholder of unsupported dtype " + (dtype == null ? "(none)" : dtype.getType()));
        }
        AttrValue shape = n.getAttrMap().get("shape");
        if (shape == null || shape.getShape().getUnknownRank()) {
            throw new IOException("Placeholder without a static rank (give it a shape, e.g. [-1, 77])");
        }
        List<Dim> dims = new ArrayList<>();
        TensorShapeProto s = shape.getShape();
        for (int axis = 0; axis < s.getDimCount(); axis++) {
            long d = s.getDim(axis).getSize();
            dims.add(d >= 0 ? Dim.of(d) : Dim.symbol(n.getName() + "_dim" + axis));
        }
        TensorType t = new TensorType(type, dims);
        ir.inputs().put(n.getName(), t);
        ir.types().put(n.getName(), t);
    }

    private static void variable(IrGraph ir, NodeDef n, Variables variables) throws IOException {
        if (n.getOp().equals("VariableV2") && n.getAttrMap().containsKey("dtype")
                && TfTensors.dataType(n.getAttrMap().get("dtype").getType()) == null) {
            throw new IOException("variable of unsupported dtype " + n.getAttrMap().get("dtype").getType());
        }
        INDArray v = variables.read(n.getName());
        AttrValue shared = n.getAttrMap().get("shared_name");
        if (v == null && shared != null && !shared.getS().isEmpty()) {
            v = variables.read(shared.getS().toStringUtf8());
        }
        if (v == null) {
            throw new IOException("variable has no value: freeze the graph (variables → Const) or import the "
                    + "SavedModel directory with its variables/");
        }
        ir.constants().put(n.getName(), v);
        ir.types().put(n.getName(), TensorType.of(v.dataType(), v.shape()));
        if (v.dataType().isFPType()) {
            ir.initializers().add(n.getName());
        }
    }
}
