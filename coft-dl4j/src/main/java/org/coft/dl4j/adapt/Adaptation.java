package org.coft.dl4j.adapt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.coft.clip.zeroshot.ZeroShotClassifier;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.DualPromptModel;
import org.coft.dl4j.phase1.OutputPrior;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.phase1.PhaseOneConfig;
import org.coft.dl4j.eval.LabelFreeCheck;
import org.coft.dl4j.run.JsonFiles;
import org.coft.dl4j.run.RunFolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Runs a {@link Method} on unlabeled images and writes the adapted model folder (a {@link RunFolder}: every file's
 * SHA-256 is recorded in {@value RunFolder#LEDGER} and verified when the folder is read):
 * <ul>
 *   <li>{@value #MANIFEST}: method, config, run seed, base model (folder or "embedded", with the SHA-256 of each
 *   file), data ({@link InputRef}), image count, seed statistics, stage times, versions, time of creation;</li>
 *   <li>{@value RunFolder#CLASSES}: the one authoritative class list (the manifest names it; the models' own class
 *   lists and the classifiers' class counts are checked against it); for trained methods {@code model-a.zip} (and
 *   {@code model-b.zip}): the learned parameters (.npy entries) — the base CLIP stays where it is and is checked by
 *   hash when loaded;</li>
 *   <li>work files: {@code features.zip} (frozen image features), {@code seeds.csv}, checkpoints while running.</li>
 * </ul>
 * Running again on the same folder resumes (finished stages are reused, each verified first).
 */
public final class Adaptation {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Adaptation.class);

    /** One line of the run log (SLF4J INFO), formatted as {@link String#format}. */
    private static void info(String format, Object... args) {
        LOG.info(String.format(format, args));
    }

    public static final String MANIFEST = RunFolder.MANIFEST;
    /** The manifest format this version writes and reads. */
    public static final String FORMAT = "coft-adapted/2";
    private static final String RUN_FORMAT = RunFolder.RUN_FORMAT;
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Adaptation() {
    }

    /**
     * The method's default config: CoFT Phase I's defaults; UPL's prompts without a visual module and its ensemble of
     * {@value PhaseOneConfig#UPL_ENSEMBLE}; for CoOp (and zero-shot, which reads only the templates) one such prompt.
     */
    public static PhaseOneConfig defaultConfig(Method m) {
        return switch (m) {
            case COFT_PHASE1 -> PhaseOneConfig.defaults();
            case UPL -> PhaseOneConfig.upl();
            default -> PhaseOneConfig.upl().withEnsemble(1);
        };
    }

    /** Where the base CLIP came from, for the manifest. */
    public record BaseModel(Path dir, boolean embedded) { }

    /**
     * Checks what an adaptation needs before anything is written: at least two class names and at least one image.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static void checkInputs(List<String> classNames, UnlabeledImages images) {
        if (classNames.size() < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, the class list has "
                    + classNames.size() + " " + classNames + " (give a classes file with one name per line)");
        }
        if (images.size() == 0) {
            throw new IllegalArgumentException("no images to adapt to in " + images.description());
        }
    }

    /**
     * Adapts and writes {@code out}.
     *
     * @param dataSpec recorded in the manifest (relative to {@code out} and absolute, see {@link InputRef})
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
        checkInputs(classNames, images);
        RunFolder files = RunFolder.create(out);
        opt = opt.withFiles(files);
        long t0 = System.nanoTime();
        ObjectNode m = manifestHead(method, method == Method.COOP, Map.of(), RunFolder.CLASSES, cfg, null, seed,
                baseJson(base, out, hashes(base.dir())), InputRef.of(dataSpec, out, images).toJson());
        m.put("images", images.size());
        m.set("versions", JSON.valueToTree(versions()));
        writeClasses(files, out, classNames);
        PhaseOne.Result result = null;
        if (method != Method.ZERO_SHOT) {
            java.util.function.Function<PhaseOne.Features, org.coft.dl4j.seeds.SeedSet> shots = method != Method.COOP
                    ? null : f -> org.coft.dl4j.seeds.LabelledShots.draw(f.ids(), shotLabels, classNames.size(),
                            cfg.seedsPerClass(), org.coft.dl4j.train.SeedStream.LABELLED_SHOTS.of(seed));
            result = PhaseOne.run(backbone, images, classNames, cfg, seed, out, opt, PhaseOne.modelNames(cfg), shots);
            ObjectNode s = m.putObject("seeds");
            s.put("count", result.seeds().size());
            s.set("per_class", JSON.valueToTree(result.seeds().selected()));
            s.set("predicted_per_class", JSON.valueToTree(result.seeds().predicted()));
            s.set("filled_per_class", JSON.valueToTree(result.seeds().filled()));
            m.set("models", JSON.valueToTree(result.models().keySet().stream().map(RunFolder::model).toList()));
            outputBias(m, cfg.outputPrior(), result.ensembleProbabilities(), method.cliName());
        }
        m.put("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
        m.put("created", Instant.now().toString());
        files.writeString(out.resolve(MANIFEST), RunFolder.Kind.RECORD, JSON.writeValueAsString(m));
        return result;
    }

    /** Manifest field of the output-prior offsets ({@link OutputPrior}; absent = none). */
    public static final String OUTPUT_BIAS = "output_bias";

    /**
     * Fits the output prior on the adaptation images' probabilities and records its offsets in the manifest
     * {@code m} (nothing under {@link OutputPrior#NONE}).
     *
     * @return the offsets, or null
     */
    private static double[] outputBias(ObjectNode m, OutputPrior prior, INDArray probabilities, String what) {
        if (prior != OutputPrior.UNIFORM) {
            return null;
        }
        double[] b = OutputPrior.fit(probabilities);
        m.set(OUTPUT_BIAS, JSON.valueToTree(b));
        StringBuilder sb = new StringBuilder();
        for (double v : b) {
            sb.append(sb.length() == 0 ? "" : " ").append(String.format(java.util.Locale.ROOT, "%+.3f", v));
        }
        info("output prior of %s: uniform over the adaptation images, logit offsets [%s]", what, sb);
        return b;
    }

    /** The run settings a CoFT / CoFT+ output folder starts with ({@value #RUN_FILE}; what {@code --resume} reads). */
    public static final String RUN_FILE = RunFolder.RUN;
    /** Preprocessing of the classifier (in a CoFT / CoFT+ output folder). */
    public static final String PREPROCESS_FILE = RunFolder.PREPROCESS;

    /**
     * The fields every adapted-model manifest ({@value #MANIFEST}) starts with, in this order: format, method,
     * supervised, {@code extra} (e.g. a round's part_of and round), the classes file, the Phase I config, the CoFT
     * config when there is one, seed, base model, data.
     */
    private static ObjectNode manifestHead(Method method, boolean supervised, Map<String, Object> extra,
                                           String classesFile, PhaseOneConfig phase1, CoftConfig coft, long seed,
                                           ObjectNode baseModel, JsonNode data) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT);
        m.put("method", method.cliName());
        m.put("supervised", supervised);
        extra.forEach((k, v) -> m.set(k, JSON.valueToTree(v)));
        m.put("classes_file", classesFile);
        m.set("config", JSON.readTree(phase1.toJson()));
        if (coft != null) {
            m.set("coft", JSON.readTree(coft.toJson()));
        }
        m.put("seed", seed);
        m.set("base_model", baseModel);
        m.set("data", data);
        return m;
    }

    private static void writeClasses(RunFolder files, Path out, List<String> classNames) throws IOException {
        files.writeString(out.resolve(RunFolder.CLASSES), RunFolder.Kind.MODEL, String.join("\n", classNames) + "\n");
    }

    private static ObjectNode baseJson(BaseModel base, Path out, Map<String, String> hashes) {
        ObjectNode b = JSON.createObjectNode();
        if (base.embedded()) {
            b.put("path", "embedded");
        } else {
            InputRef.Location l = InputRef.Location.of(base.dir(), out);
            b.put("path", l.absolute());
            if (l.relative() != null) {
                b.put("relative", l.relative());
            }
        }
        b.set("sha256", JSON.valueToTree(hashes));
        return b;
    }

    /**
     * Runs CoFT or CoFT+ ({@link CoftPipeline}) and writes {@code out}: the classifier graphs, {@value #PREPROCESS_FILE},
     * {@value RunFolder#CLASSES} and the manifest — a self-contained classifier that needs neither the text tower nor
     * the base model. The settings are written first ({@value #RUN_FILE}, with the data and base model both relative to
     * {@code out} and absolute); a folder holding another run's settings (method, seed, config, base model, classes or
     * data fingerprint) is refused, the same settings resume.
     */
    public static CoftPipeline.Result adaptCoft(Method method, BaseModel base, ClipBackbone backbone,
                                                UnlabeledImages images, String dataSpec, List<String> classNames,
                                                CoftConfig cfg, long seed, Path out, PhaseOne.Options opt,
                                                List<org.coft.dl4j.train.TrainingListener> phase2Listeners)
            throws IOException {
        return adaptCoft(method, base, backbone, images, dataSpec, classNames, cfg, seed, out, opt, phase2Listeners,
                null);
    }

    /**
     * As above; {@code phase1From}, when not null, is a finished CoFT / CoFT+ run folder whose round-1 Phase I
     * (features, seeds, models A and B) this run adopts instead of training it again — allowed only when that run
     * had the same seed, Phase I settings, base model, classes and data (checked, and its files verified against
     * its ledger). For Phase II ablations.
     */
    public static CoftPipeline.Result adaptCoft(Method method, BaseModel base, ClipBackbone backbone,
                                                UnlabeledImages images, String dataSpec, List<String> classNames,
                                                CoftConfig cfg, long seed, Path out, PhaseOne.Options opt,
                                                List<org.coft.dl4j.train.TrainingListener> phase2Listeners,
                                                Path phase1From) throws IOException {
        if (!method.fineTunes()) {
            throw new IllegalArgumentException(method.cliName() + " does not run Phase II; use adapt(...)");
        }
        if (!cfg.phase1().negativePrompt()) {
            throw new IllegalArgumentException(method.cliName() + " needs negativePrompt = true in phase1");
        }
        checkInputs(classNames, images);
        RunFolder files = RunFolder.create(out);
        opt = opt.withFiles(files);
        long t0 = System.nanoTime();
        ObjectNode run = JSON.createObjectNode();
        run.put("format", RUN_FORMAT);
        run.put("method", method.cliName());
        run.put("classes_file", RunFolder.CLASSES);
        run.put("seed", seed);
        run.set("config", JSON.readTree(cfg.toJson()));
        Map<String, String> baseHashes = hashes(base.dir());
        ObjectNode baseNode = baseJson(base, out, baseHashes);
        run.set("base_model", baseNode);
        InputRef data = InputRef.of(dataSpec, out, images);
        run.set("data", data.toJson());
        Path runFile = out.resolve(RUN_FILE);
        if (Files.isRegularFile(runFile)) {
            JsonNode before = JsonFiles.readObject(files.verified(runFile), "the settings of a coft run");
            RunFolder.requireSameRun(before, run, runFile);
            Path classesFile = files.verified(out.resolve(RunFolder.CLASSES));
            if (!ClassList.fromFile(classesFile).names().equals(classNames)) {
                throw new IOException(out + " holds a run with another 'classes' (" + classesFile + "); resume it with "
                        + "the same settings (coft adapt --resume " + out + ") or use a fresh folder");
            }
            LOG.info("resuming the run in " + out);
        } else {
            writeClasses(files, out, classNames);
            files.writeString(runFile, RunFolder.Kind.RECORD, JSON.writeValueAsString(run));
        }
        if (phase1From != null) {
            adoptPhaseOne(phase1From, run, classNames, files, CoftPipeline.roundDir(out, 1));
        }
        RunTrace trace = new RunTrace();
        List<org.coft.dl4j.train.TrainingListener> l1 = new ArrayList<>(opt.listeners());
        l1.add(trace);
        List<org.coft.dl4j.train.TrainingListener> l2 = new ArrayList<>(phase2Listeners);
        l2.add(trace);
        opt = new PhaseOne.Options(opt.threads(), opt.imageBatch(), l1, opt.files(), opt.pass());
        CoftPipeline.Result r = CoftPipeline.run(backbone, images, classNames, cfg, seed, out, opt, l2, trace);
        // each round's Phase I models form a coft-phase1 adapted folder of their own (coft eval --model OUT/phase1)
        double[] phaseOneBias = null;
        for (int round = 1; round <= cfg.rounds(); round++) {
            Path dir = CoftPipeline.roundDir(out, round);
            Map<String, Object> partOf = new LinkedHashMap<>();
            partOf.put("part_of", "../" + MANIFEST);
            partOf.put("round", round);
            ObjectNode p1 = manifestHead(Method.COFT_PHASE1, false, partOf, "../" + RunFolder.CLASSES, cfg.phase1(),
                    null, CoftPipeline.roundSeed(seed, round), baseJson(base, dir, baseHashes),
                    InputRef.of(dataSpec, dir, images).toJson());
            p1.set("models", JSON.valueToTree(PhaseOne.MODELS.stream().map(RunFolder::model).toList()));
            phaseOneBias = outputBias(p1, cfg.phase1().outputPrior(), r.roundProbabilities().get(round - 1),
                    "Phase I round " + round);
            files.writeString(dir.resolve(MANIFEST), RunFolder.Kind.RECORD, JSON.writeValueAsString(p1));
        }
        files.writeString(out.resolve(PREPROCESS_FILE), RunFolder.Kind.MODEL, backbone.plain().preprocess().toJson());
        ObjectNode m = manifestHead(method, false, Map.of(), RunFolder.CLASSES, cfg.phase1(), cfg, seed, baseNode,
                data.toJson());
        m.put("images", images.size());
        ObjectNode s = m.putObject("seeds");
        s.put("count", r.firstRound().seeds().size());
        s.set("per_class", JSON.valueToTree(r.firstRound().seeds().selected()));
        m.put("phase2_labels", r.labels().summary());
        if (phase1From != null) {
            m.put("phase1_adopted_from", phase1From.toAbsolutePath().normalize().toString());
        }
        m.set("classifiers", JSON.valueToTree(r.classifiers().values().stream()
                .map(p -> out.relativize(p).toString()).toList()));
        // the fine-tuned classifier's raw probabilities on every adaptation image: its output prior and the check
        List<String> ids = r.firstRound().features().ids();
        INDArray fine;
        try (var c = org.coft.dl4j.phase2.Classifier.load(List.copyOf(r.classifiers().values()),
                backbone.plain().preprocess(), classNames)) {
            fine = c.predict(PhaseOne.select(images, ids), 256, opt.threads(), opt.listeners(), opt.pass())
                    .probabilities();
        }
        double[] fineBias = outputBias(m, cfg.phase2().outputPrior(), fine, "the fine-tuned classifier");
        m.put("preprocess", PREPROCESS_FILE);
        m.set("versions", JSON.valueToTree(versions()));
        m.put("seconds_this_session", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
        long rss = CoftPipeline.peakRssKib();
        if (rss > 0) {
            m.put("peak_rss_mib_this_session", Math.round(rss / 1024.0));
        }
        m.put("created", Instant.now().toString());
        files.writeString(out.resolve(MANIFEST), RunFolder.Kind.RECORD, JSON.writeValueAsString(m));
        trace.begin("label-free check");
        labelFreeCheck(r, fine, phaseOneBias, fineBias, out, files, classNames);
        trace.write(files, out);
        return r;
    }

    /**
     * Each stage's prediction per image in a CoFT / CoFT+ run folder, no label read:
     * {@code id,zero_shot,zero_shot_p,phase1,phase1_p,coft,coft_p} (class, and its probability).
     */
    public static final String STAGES_FILE = RunFolder.STAGE_PREDICTIONS;

    private static void writeStagePredictions(RunFolder files, Path file, List<String> ids, List<INDArray> stages,
                                              List<String> classNames) throws IOException {
        StringBuilder sb = new StringBuilder("id,zero_shot,zero_shot_p,phase1,phase1_p,coft,coft_p\n");
        List<double[][]> p = stages.stream().map(x -> x.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .toDoubleMatrix()).toList();
        for (int i = 0; i < ids.size(); i++) {
            sb.append(PhaseOne.csv(ids.get(i)));
            for (double[][] s : p) {
                int k = org.coft.dl4j.phase2.CollaborativeFilter.argmax(s[i]);
                sb.append(',').append(PhaseOne.csv(classNames.get(k))).append(',')
                        .append(String.format(java.util.Locale.ROOT, "%.6f", s[i][k]));
            }
            sb.append('\n');
        }
        files.writeString(file, RunFolder.Kind.RECORD, sb.toString());
    }

    /** The label-free check's file in a CoFT / CoFT+ run folder. */
    public static final String CHECK_FILE = RunFolder.LABEL_FREE_CHECK;

    /**
     * Compares zero-shot, the last Phase I round and the fine-tuned classifier without labels ({@link LabelFreeCheck}),
     * on their probabilities before any output prior (the rule was set on those: the prior would hide the collapse it
     * corrects); logs the result and writes {@value #CHECK_FILE}. {@value #STAGES_FILE} holds the predictions as
     * delivered (with the output priors).
     *
     * @param fine the fine-tuned classifier's probabilities on every adaptation image, before its output prior
     */
    private static void labelFreeCheck(CoftPipeline.Result r, INDArray fine, double[] phaseOneBias, double[] fineBias,
                                       Path out, RunFolder files, List<String> classNames) throws IOException {
        List<String> ids = r.firstRound().features().ids();
        List<DualPromptModel.Scores> last = new ArrayList<>(r.lastRound().values());
        int n = ids.size();
        int kept = CoftPipeline.keptCount(r.labels());
        List<INDArray> stages = List.of(r.firstRound().zeroShotProbabilities(), PhaseOne.ensemble(last), fine);
        writeStagePredictions(files, out.resolve(STAGES_FILE), ids, List.of(stages.get(0),
                OutputPrior.apply(stages.get(1), phaseOneBias), OutputPrior.apply(fine, fineBias)), classNames);
        LabelFreeCheck.Report rep = LabelFreeCheck.check(List.of("zero-shot", "phase I", "CoFT"), stages,
                org.coft.dl4j.phase2.PhaseTwo.argmax(last.get(0).logits()),
                org.coft.dl4j.phase2.PhaseTwo.argmax(last.get(1).logits()), (double) kept / n);
        for (String line : rep.lines()) {
            LOG.info(line);
        }
        Map<String, Object> json = new LinkedHashMap<>(rep.toMap());
        Map<String, Object> prior = new LinkedHashMap<>();
        prior.put("assumes", "the classes are about equally frequent among the adaptation images");
        priorEffect(prior, "phase I", stages.get(1), phaseOneBias);
        priorEffect(prior, "CoFT", fine, fineBias);
        json.put("output_prior", prior);
        files.writeString(out.resolve(CHECK_FILE), RunFolder.Kind.RECORD, JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(json));
    }

    /**
     * How much a stage's output prior changed: the share of adaptation images whose predicted class it moved and the
     * range of its offsets — logged (a large share means the raw classifier favoured some classes strongly: either
     * the bias the prior removes, or a task whose classes are not equally frequent) and added to {@code into}.
     */
    private static void priorEffect(Map<String, Object> into, String stage, INDArray raw, double[] bias) {
        if (bias == null) {
            return;
        }
        int[] before = org.coft.dl4j.phase2.PhaseTwo.argmax(raw);
        int[] after = org.coft.dl4j.phase2.PhaseTwo.argmax(OutputPrior.apply(raw, bias));
        int moved = 0;
        for (int i = 0; i < before.length; i++) {
            moved += before[i] != after[i] ? 1 : 0;
        }
        double lo = java.util.Arrays.stream(bias).min().orElse(0);
        double hi = java.util.Arrays.stream(bias).max().orElse(0);
        double share = before.length == 0 ? 0 : (double) moved / before.length;
        info("output prior of %s: moved the prediction of %d of %d images (%.1f %%; offsets %+.2f to %+.2f); it "
                + "assumes about equally frequent classes (outputPrior NONE otherwise)", stage, moved, before.length,
                100.0 * share, lo, hi);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("moved_predictions", moved);
        e.put("moved_share", Math.round(share * 1e4) / 1e4);
        e.put("offset_min", Math.round(lo * 1e4) / 1e4);
        e.put("offset_max", Math.round(hi * 1e4) / 1e4);
        into.put(stage, e);
    }


    /** The files of a finished Phase I round that a later run can adopt ({@link #adaptCoft} with phase1From). */
    static final List<String> PHASE1_FILES = List.of(RunFolder.FEATURES, RunFolder.SEEDS,
            RunFolder.model(PhaseOne.MODELS.get(0)), RunFolder.model(PhaseOne.MODELS.get(1)));

    private static void adoptPhaseOne(Path from, ObjectNode run, List<String> classNames, RunFolder files, Path dir)
            throws IOException {
        if (files.recorded(dir.resolve(PHASE1_FILES.get(PHASE1_FILES.size() - 1)))) {
            return;
        }
        Path fromRun = from.resolve(RUN_FILE);
        if (!Files.isRegularFile(fromRun)) {
            throw new IOException("--phase1-from " + from + ": no " + RUN_FILE + " (expected the output folder of a "
                    + "coft or coft-plus run)");
        }
        RunFolder src = RunFolder.of(from);
        JsonNode was = runSettings(src, fromRun, "re-create it with this CoFT");
        List<String[]> same = List.of(new String[] {"seed", was.path("seed").toString(), run.path("seed").toString()},
                new String[] {"config.phase1", trainingSettings(was.path("config").path("phase1")).toString(),
                        trainingSettings(run.path("config").path("phase1")).toString()},
                new String[] {"base_model", was.path("base_model").path("sha256").toString(),
                        run.path("base_model").path("sha256").toString()},
                new String[] {"data", was.path("data").path("ids_sha256").asText(),
                        run.path("data").path("ids_sha256").asText()});
        for (String[] f : same) {
            if (!f[1].equals(f[2])) {
                String where = f[0];
                String a = f[1];
                String b = f[2];
                if (f[0].equals("config.phase1")) {
                    // name the first setting that differs rather than two long, equal-looking prefixes
                    JsonNode pa = trainingSettings(was.path("config").path("phase1"));
                    JsonNode pb = trainingSettings(run.path("config").path("phase1"));
                    java.util.Set<String> keys = new java.util.TreeSet<>();
                    pa.fieldNames().forEachRemaining(keys::add);
                    pb.fieldNames().forEachRemaining(keys::add);
                    for (String k : keys) {
                        if (!pa.path(k).equals(pb.path(k))) {
                            where = "config.phase1." + k;
                            a = pa.path(k).toString();
                            b = pb.path(k).toString();
                            break;
                        }
                    }
                }
                throw new IOException("--phase1-from " + from + ": its Phase I was made with another '" + where
                        + "' (" + fromRun + ": " + abbreviate(a) + "; this run: " + abbreviate(b)
                        + "); only a run with the same seed, Phase I settings, base model and data can be adopted");
            }
        }
        Path fromClasses = src.verified(from.resolve(RunFolder.CLASSES));
        if (!ClassList.fromFile(fromClasses).names().equals(classNames)) {
            throw new IOException("--phase1-from " + from + ": other classes (" + fromClasses + ")");
        }
        Path fromDir = CoftPipeline.roundDir(from, 1);
        for (String name : PHASE1_FILES) {
            Path f = src.verified(fromDir.resolve(name));
            RunFolder.Entry e = src.entry(f);
            RunFolder.Kind kind = e == null ? RunFolder.Kind.WORK : e.kind();
            files.writeFile(dir.resolve(name), kind, "Phase I file adopted from " + from, tmp ->
                    Files.copy(f, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING));
        }
        LOG.info("phase I: adopted from " + from + " (same seed, Phase I settings, base model and data; "
                + PHASE1_FILES.size() + " files verified)");
    }

    /**
     * The Phase I settings the adopted files depend on: all but {@code outputPrior}, which is fitted afresh on the
     * adopted models' scores (a run before it existed has none).
     */
    private static JsonNode trainingSettings(JsonNode phase1) {
        if (!phase1.isObject()) {
            return phase1;
        }
        ObjectNode copy = ((ObjectNode) phase1).deepCopy();
        copy.remove("outputPrior");
        return copy;
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    /** A run's {@value #RUN_FILE}, verified against its folder's ledger and of this format ({@code fix}: what to do if not). */
    private static JsonNode runSettings(RunFolder folder, Path runFile, String fix) throws IOException {
        JsonNode run = JsonFiles.readObject(folder.verified(runFile), "the settings of a coft run");
        RunFolder.requireFormat(run, RUN_FORMAT, runFile, fix);
        return run;
    }

    /**
     * The settings of a CoFT / CoFT+ run folder, for {@code --resume}: data and base model found relative to the
     * folder's current location first, then at their absolute paths.
     *
     * @param data      the data spec to open now
     * @param baseModel the base model folder, or null for the embedded one
     */
    public record RunSettings(Method method, CoftConfig config, long seed, String data, Path baseModel,
                              List<String> classes) { }

    /**
     * Reads {@value #RUN_FILE} of a run folder (verified against the ledger, as is the class list).
     *
     * @throws IOException naming the file and what is wrong, or the input that is gone
     */
    public static RunSettings readRun(Path out) throws IOException {
        Path runFile = out.resolve(RUN_FILE);
        if (!Files.isRegularFile(runFile)) {
            throw new IllegalArgumentException("--resume: " + out + " has no " + RUN_FILE + " (only coft and coft-plus "
                    + "runs can be resumed this way; others resume by running again)");
        }
        RunFolder files = RunFolder.of(out);
        JsonNode run = runSettings(files, runFile, "start a fresh output folder");
        for (String f : List.of("method", "seed", "config", "base_model", "data", "classes_file")) {
            if (!run.has(f)) {
                throw new IOException(runFile + ": missing field '" + f + "'");
            }
        }
        Method m;
        try {
            m = Method.parse(run.path("method").asText());
        } catch (IllegalArgumentException e) {
            throw new IOException(runFile + ": " + e.getMessage(), e);
        }
        CoftConfig cfg = CoftConfig.fromJson(run.get("config"), CoftConfig.defaults(m), runFile.toString());
        String data = InputRef.fromJson(run.get("data"), runFile).resolve(out, runFile);
        JsonNode b = run.get("base_model");
        Path base = null;
        if (!"embedded".equals(b.path("path").asText())) {
            InputRef.Location l = new InputRef.Location(b.hasNonNull("relative") ? b.get("relative").asText() : null,
                    b.path("path").asText());
            base = l.find(out);
            if (base == null) {
                throw new java.nio.file.NoSuchFileException(l.absolute(), null, "the run's base model (recorded in "
                        + runFile + " as " + l.describe() + ") is gone: put it back there");
            }
        }
        Path classesFile = files.verified(out.resolve(run.get("classes_file").asText()));
        return new RunSettings(m, cfg, run.get("seed").asLong(), data, base,
                ClassList.fromFile(classesFile).names());
    }

    /** An adapted model folder, read back (and verified). */
    public record Adapted(Path dir, Method method, List<String> classes, PhaseOneConfig config, long seed,
                          String basePath, Map<String, String> baseHashes, List<String> models,
                          List<String> classifiers, double[] outputBias) {
        /** Whether this is a self-contained fine-tuned classifier (CoFT, CoFT+): no base model needed. */
        public boolean selfContained() {
            return !classifiers.isEmpty();
        }

        public boolean embeddedBase() {
            return "embedded".equals(basePath);
        }
    }

    /**
     * Verifies every file of an adapted model folder against its ledger ({@value RunFolder#LEDGER}): what
     * {@link #read}, and so {@code coft eval} and {@code coft predict}, do first, and what an export should call.
     *
     * @return the number of files verified
     * @throws org.coft.dl4j.run.IntegrityException naming the first file that is missing, changed or not recorded
     */
    public static int verify(Path dir) throws IOException {
        RunFolder files = RunFolder.of(dir);
        int n = files.verifyAll(dir);
        Path classes = dir.resolve("..").resolve(RunFolder.CLASSES).normalize();
        if (!files.root().equals(dir.toAbsolutePath().normalize()) && files.recorded(classes)) {
            files.verified(classes);
            n++;
        }
        return n;
    }

    /** @throws IOException naming the folder and the missing or bad field, or the file that fails verification */
    public static Adapted read(Path dir) throws IOException {
        Path f = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(f)) {
            throw new IOException(dir + " is not an adapted model (no " + MANIFEST + "; write one with coft adapt)");
        }
        verify(dir);
        JsonNode m = JsonFiles.readObject(f, "the manifest of an adapted model");
        RunFolder.requireFormat(m, FORMAT, f, "re-create the model with coft adapt");
        for (String field : List.of("method", "classes_file", "config", "seed", "base_model")) {
            if (!m.has(field)) {
                throw new IOException(f + ": missing field '" + field + "'");
            }
        }
        Path classesFile = dir.resolve(m.get("classes_file").asText()).normalize();
        List<String> classes;
        try {
            classes = ClassList.fromFile(classesFile).names();
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        PhaseOneConfig cfg;
        try {
            cfg = JSON.treeToValue(m.get("config"), PhaseOneConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(f + ": bad 'config': " + e.getMessage(), e);
        }
        Map<String, String> hashes = new LinkedHashMap<>();
        m.get("base_model").path("sha256").fields().forEachRemaining(e -> hashes.put(e.getKey(), e.getValue().asText()));
        List<String> models = new ArrayList<>();
        m.path("models").forEach(n -> models.add(n.asText()));
        List<String> classifiers = new ArrayList<>();
        m.path("classifiers").forEach(n -> classifiers.add(n.asText()));
        double[] bias = null;
        if (m.has(OUTPUT_BIAS)) {
            JsonNode b = m.get(OUTPUT_BIAS);
            if (!b.isArray() || b.size() != classes.size()) {
                throw new IOException(f + ": '" + OUTPUT_BIAS + "' must be an array of " + classes.size()
                        + " numbers (one per class), got " + abbreviate(b.toString()));
            }
            bias = new double[b.size()];
            for (int i = 0; i < bias.length; i++) {
                if (!b.get(i).isNumber() || !Double.isFinite(b.get(i).asDouble())) {
                    throw new IOException(f + ": '" + OUTPUT_BIAS + "'[" + i + "] = " + b.get(i)
                            + ": expected a finite number");
                }
                bias[i] = b.get(i).asDouble();
            }
        }
        try {
            return new Adapted(dir, Method.parse(m.get("method").asText()), classes, cfg, m.get("seed").asLong(),
                    m.get("base_model").path("path").asText(), hashes, models, classifiers, bias);
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
                a.classes()).withOutputBias(a.outputBias());
    }

    /**
     * Classifies images with an adapted model (labels are not involved). {@code backbone} may be null for a
     * self-contained classifier ({@link Adapted#selfContained()}).
     */
    public static Predictions predict(Adapted a, ClipBackbone backbone, UnlabeledImages images, PhaseOne.Options opt)
            throws IOException {
        if (a.selfContained()) {
            try (var c = classifier(a)) {
                var p = c.predict(images, 256, opt.threads(), opt.listeners(), opt.pass());
                return new Predictions(p.ids(), p.probabilities(), Map.of());
            }
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
                    PhaseOne.score(m, backbone, images, feats, a.config(), opt, a.dir().resolve(file)));
        }
        return new Predictions(feats.ids(), OutputPrior.apply(PhaseOne.ensemble(scores.values()), a.outputBias()),
                scores);
    }

    /** SHA-256 of each regular file directly in {@code dir} (sorted by name). */
    public static Map<String, String> hashes(Path dir) throws IOException {
        Map<String, String> out = new java.util.TreeMap<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                out.put(p.getFileName().toString(), RunFolder.hash(p));
            }
        }
        return out;
    }

    /**
     * Java, ND4J and CoFT versions (from the jars' Maven metadata where present), ND4J's native build and the OpenBLAS
     * kernel set in use (float results can differ in the last bits between them).
     */
    public static Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("java", System.getProperty("java.version"));
        v.put("nd4j", mavenVersion("org.nd4j", "nd4j-api"));
        String ext = System.getProperty("org.bytedeco.javacpp.platform.extension");
        v.put("nd4j-native", ext == null ? "unset" : ext.isEmpty() ? "generic" : ext.replaceFirst("^-", ""));
        String blas = org.coft.clip.exec.OpenBlasKernels.loadedCore();
        v.put("openblas-kernels", blas == null ? "unknown" : blas);
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

}
