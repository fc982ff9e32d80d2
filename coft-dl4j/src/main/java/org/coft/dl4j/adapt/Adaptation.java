package org.coft.dl4j.adapt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.coft.clip.zeroshot.PromptTemplates;
import org.coft.clip.zeroshot.ZeroShotClassifier;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.DualPromptModel;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.phase1.PhaseOneConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Runs a {@link Method} on unlabeled images and writes the adapted model folder:
 * <ul>
 *   <li>{@value #MANIFEST}: method, classes, full config, run seed, base model (folder or "embedded", with the
 *   SHA-256 of each file), data, image count, seed statistics, stage times, versions, time of creation;</li>
 *   <li>{@code classes.txt}; for trained methods {@code model-a.zip} (and {@code model-b.zip}): the learned
 *   parameters (.npy entries) — the base CLIP stays where it is and is checked by hash when loaded;</li>
 *   <li>work files: {@code features.zip} (frozen image features), {@code seeds.csv}, checkpoints while running.</li>
 * </ul>
 * Running again on the same folder resumes (finished stages are reused).
 */
public final class Adaptation {
    public static final String MANIFEST = "adapted.json";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Adaptation() {
    }

    /** The method's default config (CoFT Phase I defaults, or UPL's single prompt without a visual module). */
    public static PhaseOneConfig defaultConfig(Method m) {
        return m == Method.COFT_PHASE1 ? PhaseOneConfig.defaults() : PhaseOneConfig.upl();
    }

    /** Where the base CLIP came from, for the manifest. */
    public record BaseModel(Path dir, boolean embedded) { }

    /**
     * Adapts and writes {@code out}.
     *
     * @param dataSpec only recorded in the manifest
     */
    public static PhaseOne.Result adapt(Method method, BaseModel base, ClipBackbone backbone, UnlabeledImages images,
                                        String dataSpec, List<String> classNames, PhaseOneConfig cfg, long seed,
                                        Path out, PhaseOne.Options opt) throws IOException {
        return adapt(method, base, backbone, images, dataSpec, classNames, cfg, seed, out, opt, null);
    }

    /**
     * As above; {@code shotLabels} (id → class) is required by, and only read for, the supervised reference
     * {@link Method#COOP}.
     */
    public static PhaseOne.Result adapt(Method method, BaseModel base, ClipBackbone backbone, UnlabeledImages images,
                                        String dataSpec, List<String> classNames, PhaseOneConfig cfg, long seed,
                                        Path out, PhaseOne.Options opt,
                                        java.util.function.ToIntFunction<String> shotLabels) throws IOException {
        if (method == Method.COOP && shotLabels == null) {
            throw new IllegalArgumentException("coop is the supervised reference: it needs labelled data");
        }
        if (method != Method.COOP && shotLabels != null) {
            throw new IllegalArgumentException(method.cliName() + " is label-free: it must not be given labels");
        }
        if (method == Method.COFT_PHASE1 && !cfg.negativePrompt()) {
            throw new IllegalArgumentException("coft-phase1 needs negativePrompt = true in the config");
        }
        if ((method == Method.UPL || method == Method.COOP) && cfg.negativePrompt()) {
            throw new IllegalArgumentException(method.cliName()
                    + " uses a single prompt: set negativePrompt = false in the config");
        }
        Files.createDirectories(out);
        long t0 = System.nanoTime();
        ObjectNode m = JSON.createObjectNode();
        m.put("format", "coft-adapted/1");
        m.put("method", method.cliName());
        m.put("supervised", method == Method.COOP);
        m.set("classes", JSON.valueToTree(classNames));
        m.set("config", JSON.readTree(cfg.toJson()));
        m.put("seed", seed);
        ObjectNode b = m.putObject("base_model");
        b.put("path", base.embedded() ? "embedded" : base.dir().toAbsolutePath().toString());
        b.set("sha256", JSON.valueToTree(hashes(base.dir())));
        m.put("data", dataSpec);
        m.put("images", images.size());
        m.set("versions", JSON.valueToTree(versions()));
        writeString(out.resolve("classes.txt"), String.join("\n", classNames) + "\n");
        PhaseOne.Result result = null;
        if (method != Method.ZERO_SHOT) {
            java.util.function.Function<PhaseOne.Features, org.coft.dl4j.seeds.SeedSet> shots = method != Method.COOP
                    ? null : f -> org.coft.dl4j.seeds.LabelledShots.draw(f.ids(), shotLabels, classNames.size(),
                            cfg.seedsPerClass(), org.coft.dl4j.phase1.DualPromptModel.mix(seed, 7));
            result = PhaseOne.run(backbone, images, classNames, cfg, seed, out, opt,
                    cfg.negativePrompt() ? PhaseOne.MODELS : PhaseOne.MODELS.subList(0, 1), shots);
            ObjectNode s = m.putObject("seeds");
            s.put("count", result.seeds().size());
            s.set("per_class", JSON.valueToTree(result.seeds().selected()));
            s.set("predicted_per_class", JSON.valueToTree(result.seeds().predicted()));
            s.set("filled_per_class", JSON.valueToTree(result.seeds().filled()));
            m.set("models", JSON.valueToTree(result.models().keySet().stream()
                    .map(n -> "model-" + n.toLowerCase() + ".zip").toList()));
        }
        m.put("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
        m.put("created", Instant.now().toString());
        writeString(out.resolve(MANIFEST), JSON.writeValueAsString(m));
        return result;
    }

    /** The run settings a CoFT / CoFT+ output folder starts with ({@value #RUN_FILE}; what {@code --resume} reads). */
    public static final String RUN_FILE = "run.json";
    /** Preprocessing of the classifier (in a CoFT / CoFT+ output folder). */
    public static final String PREPROCESS_FILE = "preprocess.json";

    /**
     * Runs CoFT or CoFT+ ({@link CoftPipeline}) and writes {@code out}: the classifier graphs, {@value #PREPROCESS_FILE},
     * {@code classes.txt} and the manifest — a self-contained classifier that needs neither the text tower nor the
     * base model. The settings are written first ({@value #RUN_FILE}); a folder holding another run's settings is
     * refused, the same settings resume.
     */
    public static CoftPipeline.Result adaptCoft(Method method, BaseModel base, ClipBackbone backbone,
                                                UnlabeledImages images, String dataSpec, List<String> classNames,
                                                CoftConfig cfg, long seed, Path out, PhaseOne.Options opt,
                                                List<org.coft.dl4j.train.TrainingListener> phase2Listeners)
            throws IOException {
        if (!method.fineTunes()) {
            throw new IllegalArgumentException(method.cliName() + " does not run Phase II; use adapt(...)");
        }
        if (!cfg.phase1().negativePrompt()) {
            throw new IllegalArgumentException(method.cliName() + " needs negativePrompt = true in phase1");
        }
        Files.createDirectories(out);
        long t0 = System.nanoTime();
        ObjectNode run = JSON.createObjectNode();
        run.put("method", method.cliName());
        run.put("data", dataSpec);
        run.set("classes", JSON.valueToTree(classNames));
        run.put("seed", seed);
        run.set("config", JSON.readTree(cfg.toJson()));
        run.put("base_model", base.embedded() ? "embedded" : base.dir().toAbsolutePath().toString());
        run.set("base_sha256", JSON.valueToTree(hashes(base.dir())));
        Path runFile = out.resolve(RUN_FILE);
        if (Files.isRegularFile(runFile)) {
            JsonNode before = JSON.readTree(runFile.toFile());
            for (String f : List.of("method", "classes", "seed", "config", "base_sha256")) {
                if (!before.path(f).toString().equals(run.path(f).toString())) {
                    throw new IOException(out + " holds a run with another '" + f + "' (" + runFile + "); resume it "
                            + "with the same settings (coft adapt --resume " + out + ") or use a fresh folder");
                }
            }
            opt.log().println("resuming the run in " + out);
        } else {
            writeString(runFile, JSON.writeValueAsString(run));
        }
        CoftPipeline.Result r = CoftPipeline.run(backbone, images, classNames, cfg, seed, out, opt, phase2Listeners);
        // each round's Phase I models form a coft-phase1 adapted folder of their own (coft eval --model OUT/phase1)
        for (int round = 1; round <= cfg.rounds(); round++) {
            Path dir = CoftPipeline.roundDir(out, round);
            ObjectNode p1 = JSON.createObjectNode();
            p1.put("format", "coft-adapted/1");
            p1.put("method", Method.COFT_PHASE1.cliName());
            p1.put("supervised", false);
            p1.put("part_of", "../" + MANIFEST);
            p1.put("round", round);
            p1.set("classes", JSON.valueToTree(classNames));
            p1.set("config", JSON.readTree(cfg.phase1().toJson()));
            p1.put("seed", CoftPipeline.roundSeed(seed, round));
            ObjectNode pb = p1.putObject("base_model");
            pb.put("path", base.embedded() ? "embedded" : base.dir().toAbsolutePath().toString());
            pb.set("sha256", run.get("base_sha256"));
            p1.put("data", dataSpec);
            p1.set("models", JSON.valueToTree(List.of("model-a.zip", "model-b.zip")));
            writeString(dir.resolve(MANIFEST), JSON.writeValueAsString(p1));
        }
        writeString(out.resolve(PREPROCESS_FILE), backbone.plain().preprocess().toJson());
        writeString(out.resolve("classes.txt"), String.join("\n", classNames) + "\n");
        ObjectNode m = JSON.createObjectNode();
        m.put("format", "coft-adapted/1");
        m.put("method", method.cliName());
        m.put("supervised", false);
        m.set("classes", JSON.valueToTree(classNames));
        m.set("config", JSON.readTree(cfg.phase1().toJson()));
        m.set("coft", JSON.readTree(cfg.toJson()));
        m.put("seed", seed);
        ObjectNode b = m.putObject("base_model");
        b.put("path", base.embedded() ? "embedded" : base.dir().toAbsolutePath().toString());
        b.set("sha256", run.get("base_sha256"));
        m.put("data", dataSpec);
        m.put("images", images.size());
        ObjectNode s = m.putObject("seeds");
        s.put("count", r.firstRound().seeds().size());
        s.set("per_class", JSON.valueToTree(r.firstRound().seeds().selected()));
        m.put("phase2_labels", r.labels().summary());
        m.set("classifiers", JSON.valueToTree(r.classifiers().values().stream()
                .map(p -> out.relativize(p).toString()).toList()));
        m.put("preprocess", PREPROCESS_FILE);
        m.set("versions", JSON.valueToTree(versions()));
        m.put("seconds_this_session", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
        long rss = CoftPipeline.peakRssKib();
        if (rss > 0) {
            m.put("peak_rss_mib_this_session", Math.round(rss / 1024.0));
        }
        m.put("created", Instant.now().toString());
        writeString(out.resolve(MANIFEST), JSON.writeValueAsString(m));
        return r;
    }

    /** An adapted model folder, read back. */
    public record Adapted(Path dir, Method method, List<String> classes, PhaseOneConfig config, long seed,
                          String basePath, Map<String, String> baseHashes, List<String> models,
                          List<String> classifiers) {
        /** Whether this is a self-contained fine-tuned classifier (CoFT, CoFT+): no base model needed. */
        public boolean selfContained() {
            return !classifiers.isEmpty();
        }

        public boolean embeddedBase() {
            return "embedded".equals(basePath);
        }
    }

    /** @throws IOException naming the folder and the missing or bad field */
    public static Adapted read(Path dir) throws IOException {
        Path f = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(f)) {
            throw new IOException(dir + " is not an adapted model (no " + MANIFEST + "; write one with coft adapt)");
        }
        JsonNode m = JSON.readTree(f.toFile());
        for (String field : List.of("method", "classes", "config", "seed", "base_model")) {
            if (!m.has(field)) {
                throw new IOException(f + ": missing field '" + field + "'");
            }
        }
        List<String> classes = new ArrayList<>();
        m.get("classes").forEach(n -> classes.add(n.asText()));
        PhaseOneConfig cfg = JSON.treeToValue(m.get("config"), PhaseOneConfig.class);
        Map<String, String> hashes = new LinkedHashMap<>();
        m.get("base_model").path("sha256").fields().forEachRemaining(e -> hashes.put(e.getKey(), e.getValue().asText()));
        List<String> models = new ArrayList<>();
        m.path("models").forEach(n -> models.add(n.asText()));
        List<String> classifiers = new ArrayList<>();
        m.path("classifiers").forEach(n -> classifiers.add(n.asText()));
        try {
            return new Adapted(dir, Method.parse(m.get("method").asText()), classes, cfg, m.get("seed").asLong(),
                    m.get("base_model").path("path").asText(), hashes, models, classifiers);
        } catch (IllegalArgumentException e) {
            throw new IOException(f + ": " + e.getMessage(), e);
        }
    }

    /** Checks that {@code dir} holds the base model the adaptation was made from. */
    public static void checkBase(Adapted a, Path dir) throws IOException {
        Map<String, String> now = hashes(dir);
        for (Map.Entry<String, String> e : a.baseHashes().entrySet()) {
            if (!e.getValue().equals(now.get(e.getKey()))) {
                throw new IOException("base model " + dir + ": " + e.getKey() + " differs from the one " + a.dir()
                        + " was adapted from (SHA-256 " + e.getValue() + ")");
            }
        }
    }

    /** Predictions of an adapted model: class probabilities [N, C] and, for CoFT, each model's scores. */
    public record Predictions(List<String> ids, INDArray probabilities, Map<String, DualPromptModel.Scores> scores) { }

    /** Loads the fine-tuned classifier of a CoFT / CoFT+ folder (no base model involved). */
    public static org.coft.dl4j.phase2.Classifier classifier(Adapted a) throws IOException {
        if (!a.selfContained()) {
            throw new IOException(a.dir() + " (" + a.method().cliName() + ") has no fine-tuned classifier");
        }
        Path pp = a.dir().resolve(PREPROCESS_FILE);
        if (!Files.isRegularFile(pp)) {
            throw new IOException(a.dir() + " lacks " + PREPROCESS_FILE + " (the classifier's preprocessing)");
        }
        org.coft.clip.preprocess.PreprocessConfig config;
        try {
            config = org.coft.clip.preprocess.PreprocessConfig.fromJson(Files.readString(pp));
        } catch (RuntimeException e) {
            throw new IOException(pp + ": " + e.getMessage(), e);
        }
        return org.coft.dl4j.phase2.Classifier.load(a.classifiers().stream().map(a.dir()::resolve).toList(), config,
                a.classes());
    }

    /**
     * Classifies images with an adapted model (labels are not involved). {@code backbone} may be null for a
     * self-contained classifier ({@link Adapted#selfContained()}).
     */
    public static Predictions predict(Adapted a, ClipBackbone backbone, UnlabeledImages images, PhaseOne.Options opt)
            throws IOException {
        if (a.selfContained()) {
            var p = classifier(a).predict(images, 256, opt.threads());
            return new Predictions(p.ids(), p.probabilities(), Map.of());
        }
        // the features cached by adapt are reused when these are the same images (same ids, same base model)
        PhaseOne.Features feats = PhaseOne.features(backbone, images, a.dir().resolve(PhaseOne.FEATURES_FILE), false,
                opt);
        if (a.method() == Method.ZERO_SHOT) {
            ZeroShotClassifier zs = PhaseOne.zeroShot(backbone.plain(), a.classes(), a.config());
            return new Predictions(feats.ids(), Transforms.softmax(zs.logits(feats.features()).castTo(DataType.DOUBLE),
                    true), Map.of());
        }
        if (a.models().isEmpty()) {
            throw new IOException(a.dir() + " lists no trained models");
        }
        Map<String, DualPromptModel.Scores> scores = new LinkedHashMap<>();
        for (String file : a.models()) {
            DualPromptModel m = PhaseOne.load(backbone, a.classes(), a.config(), a.dir().resolve(file));
            scores.put(file.replace("model-", "").replace(".zip", "").toUpperCase(),
                    PhaseOne.score(m, backbone, images, feats, a.config(), opt));
        }
        return new Predictions(feats.ids(), PhaseOne.ensemble(scores.values()), scores);
    }

    /** SHA-256 of each regular file directly in {@code dir} (sorted by name). */
    public static Map<String, String> hashes(Path dir) throws IOException {
        Map<String, String> out = new java.util.TreeMap<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                try (InputStream in = Files.newInputStream(p)) {
                    var md = java.security.MessageDigest.getInstance("SHA-256");
                    byte[] buf = new byte[1 << 16];
                    int r;
                    while ((r = in.read(buf)) > 0) {
                        md.update(buf, 0, r);
                    }
                    out.put(p.getFileName().toString(), java.util.HexFormat.of().formatHex(md.digest()));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    /** Java, ND4J and CoFT versions (from the jars' Maven metadata where present). */
    public static Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("java", System.getProperty("java.version"));
        v.put("nd4j", mavenVersion("org.nd4j", "nd4j-api"));
        v.put("coft", mavenVersion("org.coft", "coft-dl4j"));
        v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        return v;
    }

    private static String mavenVersion(String group, String artifact) {
        String res = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = Adaptation.class.getResourceAsStream(res)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }

    static void writeString(Path file, String s) throws IOException {
        org.coft.dl4j.train.ArrayArchive.writeString(file, s);
    }
}
