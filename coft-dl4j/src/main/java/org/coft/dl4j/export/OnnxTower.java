package org.coft.dl4j.export;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.CodedInputStream;

/**
 * The base model's image tower as ONNX: the nodes of the base file (vision_model.onnx, or a whole model.onnx) that
 * its projected-features output needs, and its initializers. {@link #copyInto} adds one copy of the tower to an
 * {@link ExportGraph} with a member's trained values written back — each under the ONNX value it came from: an
 * initializer is replaced; a value import folded from one (a transpose, a gather of constant rows) becomes an
 * initializer in place of the node that computed it — and, for visual prompts, the prompt tokens inserted
 * ({@link PromptSurgery}). Copies for several members get a name prefix each; untrained initializers are shared.
 */
final class OnnxTower {
    private final Path file;
    private final Onnx.ModelProto model;
    private final String pixelInput;
    private final String output;
    private final List<Onnx.NodeProto> nodes;
    private final Map<String, Onnx.TensorProto> initializers = new LinkedHashMap<>();
    private final Map<String, Onnx.NodeProto> producers = new HashMap<>();

    private OnnxTower(Path file, Onnx.ModelProto model, String pixelInput, String output, List<Onnx.NodeProto> nodes) {
        this.file = file;
        this.model = model;
        this.pixelInput = pixelInput;
        this.output = output;
        this.nodes = List.copyOf(nodes);
        for (Onnx.TensorProto t : model.getGraph().getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (Onnx.NodeProto n : nodes) {
            for (String o : n.getOutputList()) {
                producers.put(o, n);
            }
        }
    }

    /**
     * Reads the tower of {@code file}: what {@code output} needs from {@code pixelInput}.
     *
     * @throws IOException naming the file when it is unreadable, keeps its weights in external files, lacks the
     *                     input or output, or needs another graph input besides the pixels
     */
    static OnnxTower read(Path file, String pixelInput, String output) throws IOException {
        Onnx.ModelProto model;
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream cis = CodedInputStream.newInstance(in);
            cis.setSizeLimit(Integer.MAX_VALUE);
            model = Onnx.ModelProto.parseFrom(cis);
        } catch (IOException e) {
            throw new IOException("cannot read the base image tower " + file + ": " + e.getMessage(), e);
        }
        Onnx.GraphProto g = model.getGraph();
        for (Onnx.TensorProto t : g.getInitializerList()) {
            if (t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
                throw new IOException(file + ": initializer '" + t.getName() + "' keeps its data in an external file; "
                        + "coft export needs a model whose weights are inside the .onnx file");
            }
        }
        if (g.getInputList().stream().noneMatch(i -> i.getName().equals(pixelInput))) {
            throw new IOException(file + " has no graph input '" + pixelInput + "'");
        }
        Set<String> needed = new HashSet<>(Set.of(output));
        List<Onnx.NodeProto> kept = new ArrayList<>();
        boolean produced = false;
        for (int i = g.getNodeCount() - 1; i >= 0; i--) {
            Onnx.NodeProto n = g.getNode(i);
            if (n.getOutputList().stream().anyMatch(needed::contains)) {
                produced |= n.getOutputList().contains(output);
                kept.add(0, n);
                needed.addAll(ExportGraph.reads(n));
            }
        }
        if (!produced) {
            throw new IOException(file + ": no node produces the image features '" + output + "'");
        }
        Set<String> inits = new HashSet<>();
        g.getInitializerList().forEach(t -> inits.add(t.getName()));
        for (Onnx.ValueInfoProto in : g.getInputList()) {
            if (!in.getName().equals(pixelInput) && !inits.contains(in.getName()) && needed.contains(in.getName())) {
                throw new IOException(file + ": the image features '" + output + "' also need the graph input '"
                        + in.getName() + "'; coft export supports towers whose only input is the pixels");
            }
        }
        return new OnnxTower(file, model, pixelInput, output, kept);
    }

    Path file() {
        return file;
    }

    String pixelInput() {
        return pixelInput;
    }

    /** Opset of the default domain. */
    long opset() {
        for (Onnx.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return o.getVersion();
            }
        }
        return 1;
    }

    Onnx.ModelProto model() {
        return model;
    }

    List<Onnx.NodeProto> nodes() {
        return nodes;
    }

    Onnx.TensorProto initializer(String name) {
        return initializers.get(name);
    }

    /**
     * Adds one copy of the tower to {@code into} and returns the name of its features output.
     *
     * @param prefix  prefix of every value the copy computes and of its own initializers ("" for one copy)
     * @param weights trained values by the ONNX value they replace (empty: the base tower as it is)
     * @param prompts visual prompt tokens to insert, or null
     * @throws IllegalArgumentException naming a weight with no counterpart in the file or of another shape
     */
    String copyInto(ExportGraph into, String prefix, Map<String, INDArray> weights, PromptSurgery.Prompts prompts) {
        List<Onnx.NodeProto> own = new ArrayList<>(nodes);
        Map<String, Onnx.TensorProto> ownInits = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : weights.entrySet()) {
            String v = e.getKey();
            INDArray value = e.getValue();
            Onnx.TensorProto base = initializers.get(v);
            if (base != null) {
                long[] dims = base.getDimsList().stream().mapToLong(Long::longValue).toArray();
                if (base.getDataType() != Onnx.TensorProto.DataType.FLOAT_VALUE) {
                    throw new IllegalArgumentException("weight '" + v + "' of " + file + " is not float32 (ONNX type "
                            + base.getDataType() + "); coft export writes float32 weights only");
                }
                if (!Arrays.equals(dims, value.shape())) {
                    throw new IllegalArgumentException("trained weight '" + v + "' has shape "
                            + Arrays.toString(value.shape()) + ", but " + file + " holds it as " + Arrays.toString(dims));
                }
            } else {
                Onnx.NodeProto p = producers.get(v);
                if (p == null) {
                    throw new IllegalArgumentException("trained weight '" + v + "' has no counterpart in " + file
                            + ": it is neither an initializer nor computed by a node of the image tower");
                }
                if (p.getOutputCount() != 1) {
                    throw new IllegalArgumentException("trained weight '" + v + "' is computed by the " + p.getOpType()
                            + " node '" + p.getName() + "' of " + file + ", which has " + p.getOutputCount()
                            + " outputs; only a single-output node can be replaced by the trained value");
                }
                own.remove(p);
            }
            ownInits.put(v, OnnxProtos.floats(v, value));
        }
        String features = output;
        if (prompts != null) {
            own = PromptSurgery.insert(own, ownInits, this, prompts);
        }
        Set<String> renamed = new HashSet<>(ownInits.keySet());
        own.forEach(n -> collectOutputs(n, renamed));
        renamed.remove(pixelInput);
        for (String r : renamed) {
            if (!prefix.isEmpty() && into.defines(prefix + r)) {
                throw new IllegalStateException("name clash in the export graph: '" + prefix + r + "'");
            }
        }
        for (Onnx.NodeProto n : own) {
            into.add(rename(n, prefix, renamed));
        }
        for (Onnx.TensorProto t : ownInits.values()) {
            into.initializer(t.toBuilder().setName(prefix + t.getName()).build());
        }
        initializers.values().forEach(into::sharedInitializer);
        return renamed.contains(features) ? prefix + features : features;
    }

    private static void collectOutputs(Onnx.NodeProto n, Set<String> into) {
        into.addAll(n.getOutputList());
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            List<Onnx.GraphProto> graphs = new ArrayList<>(a.getGraphsList());
            if (a.hasG()) {
                graphs.add(a.getG());
            }
            for (Onnx.GraphProto g : graphs) {
                g.getNodeList().forEach(inner -> collectOutputs(inner, into));
            }
        }
    }

    private static Onnx.NodeProto rename(Onnx.NodeProto n, String prefix, Set<String> renamed) {
        if (prefix.isEmpty()) {
            return n;
        }
        Onnx.NodeProto.Builder b = n.toBuilder().clearInput().clearOutput();
        for (String in : n.getInputList()) {
            b.addInput(renamed.contains(in) ? prefix + in : in);
        }
        for (String out : n.getOutputList()) {
            b.addOutput(out.isEmpty() ? out : prefix + out);
        }
        if (!n.getName().isEmpty()) {
            b.setName(prefix + n.getName());
        }
        b.clearAttribute();
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            if (!a.hasG() && a.getGraphsCount() == 0) {
                b.addAttribute(a);
                continue;
            }
            Onnx.AttributeProto.Builder ab = a.toBuilder();
            if (a.hasG()) {
                ab.setG(rename(a.getG(), prefix, renamed));
            }
            ab.clearGraphs();
            for (Onnx.GraphProto g : a.getGraphsList()) {
                ab.addGraphs(rename(g, prefix, renamed));
            }
            b.addAttribute(ab);
        }
        return b.build();
    }

    private static Onnx.GraphProto rename(Onnx.GraphProto g, String prefix, Set<String> renamed) {
        Onnx.GraphProto.Builder b = g.toBuilder().clearNode().clearOutput();
        g.getNodeList().forEach(n -> b.addNode(rename(n, prefix, renamed)));
        for (Onnx.ValueInfoProto o : g.getOutputList()) {
            b.addOutput(renamed.contains(o.getName()) ? o.toBuilder().setName(prefix + o.getName()) : o.toBuilder());
        }
        return b.build();
    }
}
