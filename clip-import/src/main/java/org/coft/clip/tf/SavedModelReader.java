package org.coft.clip.tf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.shade.protobuf.CodedInputStream;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;
import org.tensorflow.framework.GraphDef;
import org.tensorflow.framework.MetaGraphDef;
import org.tensorflow.framework.NodeDef;
import org.tensorflow.framework.SavedModel;
import org.tensorflow.framework.SignatureDef;
import org.tensorflow.framework.TensorInfo;

/**
 * Reads a TensorFlow SavedModel directory ({@code saved_model.pb} + {@code variables/variables.index} +
 * {@code variables/variables.data-*}) into an {@link IrGraph}: picks the meta graph tagged {@code serve} (else the
 * first), selects a signature ({@value #DEFAULT_SIGNATURE} unless named), keeps what its outputs need, resolves
 * variables ({@code VariableV2}, {@code VarHandleOp} by name or {@code shared_name}, read through
 * {@code Identity}/{@code ReadVariableOp}) to constants from the checkpoint with {@link TensorBundleReader}, and
 * names the graph's inputs and outputs by the signature's keys. Variables become the graph's weights.
 */
public final class SavedModelReader {
    /** The graph file of a SavedModel directory. */
    public static final String SAVED_MODEL_PB = "saved_model.pb";
    /** The signature used when none is named. */
    public static final String DEFAULT_SIGNATURE = "serving_default";
    private static final String SERVE = "serve";

    private SavedModelReader() {
    }

    /** A signature: keys → TF tensor names. */
    public record Signature(String key, Map<String, String> inputs, Map<String, String> outputs) { }

    /** The signatures of a SavedModel's serving meta graph (excluding TF's internal init signature). */
    public static List<Signature> signatures(Path dir) throws TfImportException {
        Path pb = dir.resolve(SAVED_MODEL_PB);
        MetaGraphDef mg = metaGraph(read(pb), pb);
        List<Signature> out = new ArrayList<>();
        for (Map.Entry<String, SignatureDef> e : mg.getSignatureDefMap().entrySet()) {
            if (!e.getKey().startsWith("__")) {
                out.add(signature(e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    /** Parses a SavedModel directory's signature ({@value #DEFAULT_SIGNATURE} when null) into the IR. */
    public static IrGraph parse(Path dir, String signatureName) throws TfImportException {
        Path pb = dir.resolve(SAVED_MODEL_PB);
        MetaGraphDef mg = metaGraph(read(pb), pb);
        String key = signatureName == null ? DEFAULT_SIGNATURE : signatureName;
        SignatureDef sd = mg.getSignatureDefMap().get(key);
        if (sd == null) {
            throw new TfImportException(pb.toString(), "no signature '" + key + "'; the SavedModel has "
                    + mg.getSignatureDefMap().keySet().stream().filter(k -> !k.startsWith("__")).sorted().toList(),
                    null);
        }
        Signature sig = signature(key, sd);
        GraphDef g = mg.getGraphDef();
        List<String> variableNodes = g.getNodeList().stream()
                .filter(n -> n.getOp().equals("VariableV2") || n.getOp().equals("VarHandleOp"))
                .map(NodeDef::getName).toList();
        Path prefix = dir.resolve("variables").resolve("variables");
        TfGraphParser.Variables variables = name -> null;
        if (!variableNodes.isEmpty()) {
            if (!Files.isRegularFile(Path.of(prefix + ".index"))) {
                throw new TfImportException(dir.toString(), "SavedModel without variables: " + prefix + ".index is "
                        + "missing, and the graph has " + variableNodes.size() + " variable(s), e.g. '"
                        + variableNodes.get(0) + "'", null);
            }
            TensorBundleReader bundle;
            try {
                bundle = TensorBundleReader.open(prefix);
            } catch (IOException e) {
                throw new TfImportException(dir.toString(), "cannot read the variables: " + e.getMessage(), e);
            }
            variables = bundle::read;
        }
        IrGraph ir = TfGraphParser.parse(g, pb + " [" + key + "]", variables, variableNodes.isEmpty(),
                new ArrayList<>(sig.outputs().values()));
        rename(ir, sig, pb);
        return ir;
    }

    private static SavedModel read(Path pb) throws TfImportException {
        if (!Files.isRegularFile(pb)) {
            throw new TfImportException(pb.toString(), "no such file (a SavedModel directory holds " + SAVED_MODEL_PB
                    + ")", null);
        }
        try {
            CodedInputStream in = CodedInputStream.newInstance(Files.readAllBytes(pb));
            in.setSizeLimit(Integer.MAX_VALUE);
            SavedModel m = SavedModel.parseFrom(in);
            if (m.getMetaGraphsCount() == 0) {
                throw new TfImportException(pb.toString(), "not a valid SavedModel: it has no meta graphs (is the file "
                        + "truncated?)", null);
            }
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw new TfImportException(pb.toString(), "not a valid SavedModel (protobuf decoding failed: "
                    + e.getMessage() + "); is the file truncated?", e);
        } catch (IOException e) {
            throw new TfImportException(pb.toString(), "cannot read: " + e.getMessage(), e);
        }
    }

    private static MetaGraphDef metaGraph(SavedModel m, Path pb) {
        for (MetaGraphDef mg : m.getMetaGraphsList()) {
            if (mg.getMetaInfoDef().getTagsList().contains(SERVE)) {
                return mg;
            }
        }
        return m.getMetaGraphs(0);
    }

    private static Signature signature(String key, SignatureDef sd) {
        Map<String, String> in = new LinkedHashMap<>();
        Map<String, String> out = new LinkedHashMap<>();
        sd.getInputsMap().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> in.put(e.getKey(), tensorName(e.getValue())));
        sd.getOutputsMap().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.put(e.getKey(), tensorName(e.getValue())));
        return new Signature(key, in, out);
    }

    private static String tensorName(TensorInfo t) {
        return TfGraphParser.value(t.getName());
    }

    /** Graph inputs and outputs take the signature's keys. */
    private static void rename(IrGraph ir, Signature sig, Path pb) throws TfImportException {
        for (Map.Entry<String, String> e : sig.inputs().entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (key.equals(value) || !ir.inputs().containsKey(value)) {
                continue; // already so named, or not needed by the outputs
            }
            if (ir.types().containsKey(key)) {
                throw new TfImportException(pb.toString(), "signature input '" + key + "' collides with a graph value "
                        + "of that name", null);
            }
            LinkedHashMap<String, TensorType> inputs = new LinkedHashMap<>();
            ir.inputs().forEach((k, t) -> inputs.put(k.equals(value) ? key : k, t));
            ir.inputs().clear();
            ir.inputs().putAll(inputs);
            ir.types().put(key, ir.types().remove(value));
            for (IrNode n : ir.nodes()) {
                n.inputs().replaceAll(v -> v.equals(value) ? key : v);
            }
            ir.outputs().replaceAll(v -> v.equals(value) ? key : v);
        }
        List<String> outputs = new ArrayList<>();
        for (Map.Entry<String, String> e : sig.outputs().entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (!key.equals(value)) {
                if (ir.types().containsKey(key) || ir.producers().containsKey(key)) {
                    throw new TfImportException(pb.toString(), "signature output '" + key + "' collides with a graph "
                            + "value of that name", null);
                }
                ir.nodes().add(new IrNode("signature/" + key, "Identity", "", List.of(value), List.of(key), Map.of()));
            }
            outputs.add(key);
        }
        ir.outputs().clear();
        ir.outputs().addAll(outputs);
    }
}
