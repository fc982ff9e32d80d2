package org.coft.dl4j.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.coft.clip.model.ClipModel;
import org.coft.clip.model.ClipModelException;
import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.clip.zeroshot.ZeroShotClassifier;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.adapt.Method;
import org.coft.dl4j.layers.FeatureAdapter;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.DualPromptModel;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.phase1.VisualModule;
import org.coft.dl4j.phase2.Classifier;
import org.coft.dl4j.phase2.FineTuneNetwork;
import org.coft.dl4j.run.RunFolder;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Exports an adapted model folder ({@code coft adapt}) as one ONNX classifier: the base model's image tower
 * (vision_model.onnx) with the run's trained values written back under the ONNX values they came from, followed by
 * the head as ONNX ops — pixels [batch, 3, H, W] (preprocessed as {@value #META_PREPROCESS} says) in,
 * {@value #PROBABILITIES} [batch, C] (what {@code coft predict} reports; arg-max is the prediction) and the logits
 * out. The class names, preprocessing and provenance travel in the model's {@code metadata_props}.
 *
 * <p>What each method exports (every model of a run is a <em>member</em>; the probabilities are the mean of the
 * members' softmax, as the run predicts, with the run's output-prior offsets b when it has them:
 * {@code softmax(log p + b)}):
 * <ul>
 *   <li>{@code coft}, {@code coft-plus}: each classifier graph (fine-tuned tower + linear head) as its own copy of
 *   the tower, head {@code scale · normalize(f) Wᵀ + b};</li>
 *   <li>{@code coft-phase1}, {@code upl}, {@code coop}: each Phase I model's positive prompt folded into a head of its
 *   normalised class text embeddings, over the frozen tower (visual module NONE), the tower plus the feature adapter
 *   (ADAPTER), or a copy of the tower with the learned visual prompt tokens inserted (VPT_SHALLOW, VPT_DEEP; see
 *   {@link PromptSurgery});</li>
 *   <li>{@code zero-shot}: the zero-shot class embeddings as the head.</li>
 * </ul>
 * {@link #referenceProbabilities} runs the run's own prediction code on the same pixels, so a caller can check the
 * file against it (the CLI does, with ONNX Runtime).
 */
public final class OnnxExport implements AutoCloseable {
    /** Format tag in the metadata ({@value #META_FORMAT}). */
    public static final String FORMAT = "coft-onnx-classifier/1";
    /** Output: class probabilities [batch, C], the mean of the members' softmax; arg-max = the prediction. */
    public static final String PROBABILITIES = "probabilities";
    /** Output: logits [batch, C] of the one member (with several, {@code logits_<member>} each). */
    public static final String LOGITS = "logits";
    /** Metadata key of the format tag. */
    public static final String META_FORMAT = "coft.format";
    /** Metadata key of the class names, a JSON list in label order. */
    public static final String META_CLASSES = "coft.classes";
    /** Metadata key of the preprocessing, {@link PreprocessConfig#toJson()} (read back by {@code fromJson}). */
    public static final String META_PREPROCESS = "coft.preprocess";
    /** Metadata key of the run's method ({@link Method#cliName()}). */
    public static final String META_METHOD = "coft.method";
    /** Metadata key of the members' names, a JSON list (classifier graphs or Phase I models). */
    public static final String META_MEMBERS = "coft.members";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One model of the run, in the form the ONNX graph needs. */
    private record Member(String name, Map<String, INDArray> towerWeights, PromptSurgery.Prompts prompts,
                          INDArray[] adapter, INDArray head, INDArray bias) {
        boolean ownTower() {
            return !towerWeights.isEmpty() || prompts != null;
        }
    }

    /** What {@link #write} wrote. */
    public record Summary(Path file, long bytes, Method method, List<String> members, int classes,
                          int weightsReplaced, List<String> outputs) { }

    private final Adaptation.Adapted run;
    private final OnnxTower tower;
    private final List<Member> members;
    private final PreprocessConfig preprocess;
    private final double logitScale;
    private final Reference reference;

    /** The run's own prediction (what {@code coft predict} computes) of a batch of preprocessed pixels. */
    private interface Reference extends AutoCloseable {
        INDArray probabilities(INDArray pixels);

        @Override
        default void close() {
        }
    }

    private OnnxExport(Adaptation.Adapted run, OnnxTower tower, List<Member> members, PreprocessConfig preprocess,
                       double logitScale, Reference reference) {
        this.run = run;
        this.tower = tower;
        this.members = List.copyOf(members);
        this.preprocess = preprocess;
        this.logitScale = logitScale;
        this.reference = reference;
    }

    /**
     * Reads what the export needs: the run (verified), its models, and the base model it was adapted from.
     *
     * @param baseDir the base CLIP model directory (checked by hash against the run's record)
     * @throws IOException naming the file that is missing or does not match
     * @throws ClipModelException naming the base model file that cannot be imported
     * @throws IllegalArgumentException naming a trained value that cannot be mapped onto the base tower's ONNX file
     */
    public static OnnxExport prepare(Adaptation.Adapted run, Path baseDir) throws IOException, ClipModelException {
        Adaptation.checkBase(run, baseDir);
        Method m = run.method();
        if (m.fineTunes()) {
            return fineTuned(run, baseDir);
        }
        if (m == Method.ZERO_SHOT) {
            ClipBackbone b = ClipBackbone.plainOnly(baseDir);
            ZeroShotClassifier zs = PhaseOne.zeroShot(b.plain(), run.classes(), run.config());
            Member member = new Member("zero-shot", Map.of(), null, null, zs.classEmbeddings(), null);
            return new OnnxExport(run, tower(b.plain()), List.of(member), b.plain().preprocess(), b.plain().logitScale(),
                    pixels -> Transforms.softmax(zs.logits(b.plain().encodeImages(pixels)).castTo(DataType.DOUBLE),
                            true));
        }
        return promptModels(run, baseDir);
    }

    private static OnnxTower tower(ClipModel plain) throws IOException {
        return OnnxTower.read(ClipModel.visionFile(plain.directory()), plain.pixelInput(), plain.vision().output());
    }

    private static OnnxExport fineTuned(Adaptation.Adapted run, Path baseDir) throws IOException, ClipModelException {
        ClipModel plain = ClipModel.load(baseDir);
        Map<String, String> sources = FineTuneNetwork.towerWeightSources(plain);
        OnnxTower tower = tower(plain);
        List<Member> members = new ArrayList<>();
        for (String file : run.classifiers()) {
            Path f = run.dir().resolve(file);
            SameDiff sd;
            try {
                sd = SameDiff.load(f.toFile(), false);
            } catch (RuntimeException e) {
                throw new IOException("cannot read classifier graph " + f + ": " + e.getMessage(), e);
            }
            Map<String, INDArray> weights = new LinkedHashMap<>();
            for (SDVariable v : sd.variables()) {
                if (v.getVariableType() != VariableType.VARIABLE || v.name().equals(FineTuneNetwork.HEAD_W)
                        || v.name().equals(FineTuneNetwork.HEAD_B)) {
                    continue;
                }
                String source = sources.get(v.name());
                if (source == null) {
                    throw new IllegalArgumentException("classifier graph " + f + ": trained variable '" + v.name()
                            + "' is neither the head nor a weight of the base image tower " + tower.file()
                            + "; it cannot be written into the ONNX file");
                }
                INDArray value = v.getArr();
                var type = plain.vision().graph().valueType(source);
                long[] want = type == null ? null : type.shape().stream().mapToLong(d -> d.value()).toArray();
                if (want != null && !Arrays.equals(want, value.shape())) {
                    throw new IllegalArgumentException("classifier graph " + f + ": variable '" + v.name() + "' has "
                            + "shape " + Arrays.toString(value.shape()) + ", the base tower's '" + source + "' "
                            + Arrays.toString(want));
                }
                weights.put(source, value);
            }
            for (Map.Entry<String, String> e : sources.entrySet()) {
                if (!weights.containsKey(e.getValue())) {
                    throw new IllegalArgumentException("classifier graph " + f + " lacks the image-tower weight '"
                            + e.getKey() + "' (ONNX '" + e.getValue() + "'): was it trained on another base model?");
                }
            }
            String name = file.replaceFirst("^classifier-", "").replaceFirst("\\.fb$", "");
            members.add(new Member(name, weights, null, null, sd.getVariable(FineTuneNetwork.HEAD_W).getArr(),
                    sd.getVariable(FineTuneNetwork.HEAD_B).getArr()));
        }
        Classifier classifier = Adaptation.classifier(run);
        return new OnnxExport(run, tower, members, classifier.preprocess(), plain.logitScale(), new Reference() {
            @Override
            public INDArray probabilities(INDArray pixels) {
                return classifier.probabilities(pixels);
            }

            @Override
            public void close() {
                classifier.close();
            }
        });
    }

    private static OnnxExport promptModels(Adaptation.Adapted run, Path baseDir)
            throws IOException, ClipModelException {
        if (run.models().isEmpty()) {
            throw new IOException(run.dir() + " (" + run.method().cliName() + ") lists no trained models");
        }
        ClipBackbone b = ClipBackbone.load(baseDir, run.config(), run.classes());
        OnnxTower tower = tower(b.plain());
        VisualModule visual = run.config().visual();
        int tokenAxis = visual == VisualModule.VPT_DEEP
                ? PromptSurgery.tokenAxis(tower, b.plain().vision().graph()::valueType) : 1;
        List<Member> members = new ArrayList<>();
        List<DualPromptModel> models = new ArrayList<>();
        for (String file : run.models()) {
            DualPromptModel m = PhaseOne.load(b, run.classes(), run.config(), run.dir().resolve(file));
            models.add(m);
            Map<String, INDArray> p = m.parameters();
            PromptSurgery.Prompts prompts = visual.needsPixels() ? new PromptSurgery.Prompts(p.get(DualPromptModel.VPT),
                    p.get(DualPromptModel.VPT_DEEP), tokenAxis) : null;
            INDArray[] adapter = null;
            if (visual == VisualModule.ADAPTER) {
                adapter = Arrays.stream(FeatureAdapter.parameterNames(DualPromptModel.ADAPTER)).map(p::get)
                        .toArray(INDArray[]::new);
            }
            String name = file.replaceFirst("^model-", "").replaceFirst("\\.zip$", "");
            members.add(new Member(name, Map.of(), prompts, adapter, ClipModel.normalize(m.positiveTextFeatures()),
                    null));
        }
        return new OnnxExport(run, tower, members, b.plain().preprocess(), b.plain().logitScale(), pixels -> {
            INDArray features = visual.needsPixels() ? null : b.plain().encodeImages(pixels);
            List<DualPromptModel.Scores> scores = new ArrayList<>();
            for (DualPromptModel m : models) {
                scores.add(m.score(m.inputIsPixels() ? pixels : features));
            }
            return org.coft.dl4j.phase1.OutputPrior.apply(PhaseOne.ensemble(scores), run.outputBias());
        });
    }

    public Method method() {
        return run.method();
    }

    public List<String> classes() {
        return run.classes();
    }

    /** How the pixels fed to the exported model are made from an image (also in the model's metadata). */
    public PreprocessConfig preprocess() {
        return preprocess;
    }

    /** The exported model's members (classifier graphs or Phase I models), in order. */
    public List<String> members() {
        return members.stream().map(Member::name).toList();
    }

    /** Name of the exported model's pixel input. */
    public String pixelInput() {
        return tower.pixelInput();
    }

    /** The logits outputs: {@value #LOGITS} for one member, else {@code logits_<member>} each. */
    public List<String> logitOutputs() {
        return members.size() == 1 ? List.of(LOGITS) : members.stream().map(m -> LOGITS + "_" + m.name()).toList();
    }

    /**
     * The run's own class probabilities [batch, C] (float64) of preprocessed pixels [batch, 3, H, W], computed the
     * way {@code coft predict} computes them (the classifier graphs; or the Phase I models' ensemble): what the
     * exported model must reproduce.
     */
    public INDArray referenceProbabilities(INDArray pixels) {
        return reference.probabilities(pixels);
    }

    /** The exported model. */
    public Onnx.ModelProto model() {
        ExportGraph g = new ExportGraph();
        String sharedFeatures = null;
        List<String> logits = logitOutputs();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            String prefix = members.size() == 1 ? "" : m.name() + "/";
            String f;
            if (m.ownTower()) {
                f = tower.copyInto(g, prefix, m.towerWeights(), m.prompts());
            } else {
                if (sharedFeatures == null) {
                    sharedFeatures = tower.copyInto(g, "", Map.of(), null);
                }
                f = sharedFeatures;
            }
            if (m.adapter() != null) {
                f = OnnxHead.adapter(g, prefix, f, m.adapter());
            }
            OnnxHead.logits(g, prefix, f, m.head(), m.bias(), logitScale, logits.get(i));
        }
        OnnxHead.probabilities(g, logits, run.outputBias(), PROBABILITIES);
        int c = run.classes().size();
        List<Onnx.ValueInfoProto> outputs = new ArrayList<>();
        outputs.add(OnnxProtos.floatInfo(PROBABILITIES, "batch", c));
        logits.forEach(l -> outputs.add(OnnxProtos.floatInfo(l, "batch", c)));
        Onnx.ValueInfoProto input = preprocess.hasFixedOutputSize()
                ? OnnxProtos.floatInfo(tower.pixelInput(), "batch", 3, preprocess.outputHeight(), preprocess.outputWidth())
                : tower.model().getGraph().getInputList().stream().filter(v -> v.getName().equals(tower.pixelInput()))
                .findFirst().orElseThrow();
        Onnx.GraphProto graph = g.build("coft_classifier", List.of(input), outputs);
        Onnx.ModelProto base = tower.model();
        Onnx.ModelProto.Builder model = Onnx.ModelProto.newBuilder().setIrVersion(base.getIrVersion())
                .addAllOpsetImport(base.getOpsetImportList()).setProducerName("coft")
                .setProducerVersion(Adaptation.versions().get("coft")).setGraph(graph)
                .setDocString("CoFT-adapted CLIP classifier (method " + run.method().cliName() + ", " + c
                        + " classes, " + members.size() + " member(s)) exported by coft export; input "
                        + tower.pixelInput() + " = preprocessed pixels (see " + META_PREPROCESS + "), output "
                        + PROBABILITIES + " = class probabilities, arg-max = the prediction");
        metadata().forEach((k, v) -> model.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(k)
                .setValue(v)));
        return model.build();
    }

    /** The metadata the exported model carries ({@code metadata_props}). */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        try {
            m.put(META_FORMAT, FORMAT);
            m.put(META_METHOD, run.method().cliName());
            m.put(META_CLASSES, JSON.writeValueAsString(run.classes()));
            m.put(META_PREPROCESS, preprocess.toJson());
            m.put(META_MEMBERS, JSON.writeValueAsString(members()));
            m.put("coft.input", tower.pixelInput() + ": float32 [batch, 3, " + (preprocess.hasFixedOutputSize()
                    ? preprocess.outputHeight() + ", " + preprocess.outputWidth() : "H, W") + "], the image "
                    + "preprocessed as " + META_PREPROCESS + " says");
            m.put("coft.outputs", JSON.writeValueAsString(java.util.stream.Stream.concat(
                    java.util.stream.Stream.of(PROBABILITIES), logitOutputs().stream()).toList()));
            m.put("coft.prediction", "arg-max of " + PROBABILITIES + " = the mean over the members of "
                    + "softmax(logits)");
            m.put("coft.visual_module", run.method().fineTunes() ? "fine-tuned image tower"
                    : run.config().visual().name());
            m.put("coft.logit_scale", Double.toString(logitScale));
            m.put("coft.seed", Long.toString(run.seed()));
            m.put("coft.base_model.vision.sha256", RunFolder.hash(tower.file()));
            m.put("coft.versions", JSON.writeValueAsString(Adaptation.versions()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the export's metadata: " + e.getMessage(), e);
        }
        return m;
    }

    /** A check of the serialised model before it is written (e.g. running it in an ONNX runtime). */
    @FunctionalInterface
    public interface Check {
        /** @throws IOException or an unchecked exception when the model must not be written */
        void check(byte[] model) throws IOException;
    }

    /**
     * Writes the exported model to {@code out} atomically (a temporary file in the same folder, then a rename);
     * missing parent folders are created.
     *
     * @throws IllegalArgumentException when {@code out} is a folder
     */
    public Summary write(Path out) throws IOException {
        return write(out, bytes -> { });
    }

    /** As {@link #write(Path)}, after {@code check} accepted the serialised model (else nothing is written). */
    public Summary write(Path out, Check check) throws IOException {
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a folder; give the file to write, e.g. "
                    + out.resolve("classifier.onnx"));
        }
        Path parent = out.toAbsolutePath().getParent();
        if (Files.exists(parent) && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("--out " + out + ": " + parent + " is a file, not a folder");
        }
        byte[] bytes = model().toByteArray();
        check.check(bytes);
        Files.createDirectories(parent);
        org.coft.dl4j.train.ArrayArchive.writeBytes(out, bytes);
        List<String> outs = new ArrayList<>(List.of(PROBABILITIES));
        outs.addAll(logitOutputs());
        int replaced = members.stream().mapToInt(m -> m.towerWeights().size()).sum();
        return new Summary(out, bytes.length, run.method(), members(), run.classes().size(), replaced, outs);
    }

    @Override
    public void close() {
        try {
            reference.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the export's reference: " + e.getMessage(), e);
        }
    }
}
