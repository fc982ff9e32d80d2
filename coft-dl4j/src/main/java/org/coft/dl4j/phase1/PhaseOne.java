package org.coft.dl4j.phase1;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.zeroshot.PromptTemplates;
import org.coft.clip.zeroshot.ZeroShotClassifier;
import org.coft.datavec.iterate.ImageBatch;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.pass.ImagePass;
import org.coft.dl4j.run.RunFolder;
import org.coft.dl4j.seeds.SeedSelection;
import org.coft.dl4j.seeds.SeedSet;
import org.coft.dl4j.train.ArrayArchive;
import org.coft.dl4j.train.NativeMemory;
import org.coft.dl4j.train.SeedStream;
import org.coft.dl4j.train.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * CoFT steps 1–2 end to end on unlabeled images: frozen image features → zero-shot seeds (top-K per class) →
 * two independently initialised Phase I models trained on the seeds → both models' scores (positive logits,
 * p_clean) for every image. Only {@link UnlabeledImages} come in: labels cannot reach this code.
 *
 * <p>Each stage leaves a file in the work folder (features, seeds, per-model checkpoints and final parameters,
 * scores); a run given the same folder resumes after the last finished stage, mid-model from its checkpoint.
 */
public final class PhaseOne {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PhaseOne.class);

    /** One line of the run log (SLF4J INFO), formatted as {@link String#format}. */
    private static void info(String format, Object... args) {
        LOG.info(String.format(format, args));
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String FEATURES_FILE = RunFolder.FEATURES;
    public static final String SEEDS_FILE = RunFolder.SEEDS;
    /** CoFT's two models; single-prompt methods (UPL, CoOp) train {@link PhaseOneConfig#ensemble()} of them. */
    public static final List<String> MODELS = List.of("A", "B");

    /**
     * The models a config trains: CoFT's two ({@link #MODELS}), or a single-prompt method's
     * {@link PhaseOneConfig#ensemble()} models named A, B, C, …
     */
    public static List<String> modelNames(PhaseOneConfig cfg) {
        if (cfg.negativePrompt()) {
            return MODELS;
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < cfg.ensemble(); i++) {
            names.add(String.valueOf((char) ('A' + i)));
        }
        return names;
    }
    /** The task name the image-feature pass reports to {@link TrainingListener#onProgress}. */
    public static final String FEATURES_TASK = "image features";
    /** The task name scoring every image with a model reports to {@link TrainingListener#onProgress}. */
    public static final String SCORING_TASK = "scoring all images";

    private PhaseOne() {
    }

    /** Frozen image features of all images, in order, and their ids (examples skipped as bad input are absent). */
    public record Features(INDArray features, List<String> ids) { }

    /** What Phase I produced. Models' scores are for all images, in {@link Features#ids()} order. */
    public record Result(Features features, ZeroShotClassifier zeroShot, INDArray zeroShotProbabilities, SeedSet seeds,
                         Map<String, DualPromptModel> models, Map<String, DualPromptModel.Scores> scores) {
        /** The Phase I classifier: the mean of the models' positive-prompt probabilities [N, C]. */
        public INDArray ensembleProbabilities() {
            return ensemble(scores.values());
        }
    }

    /** The mean of the models' positive-prompt softmax probabilities [N, C] (the Phase I classifier). */
    public static INDArray ensemble(java.util.Collection<DualPromptModel.Scores> scores) {
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("no model scores to ensemble");
        }
        INDArray sum = null;
        for (DualPromptModel.Scores s : scores) {
            INDArray p = Transforms.softmax(s.logits().castTo(DataType.DOUBLE), true);
            sum = sum == null ? p : sum.addi(p);
        }
        return sum.divi(scores.size());
    }

    /**
     * Options of a run besides the config; {@code files} writes, records and verifies the stage files (see
     * {@link RunFolder}).
     */
    public record Options(int threads, int imageBatch, List<TrainingListener> listeners, RunFolder files,
                          ImagePass pass) {
        public Options {
            if (files == null) {
                throw new IllegalArgumentException("files: null (use RunFolder.untracked() for none)");
            }
            if (pass == null) {
                throw new IllegalArgumentException("pass: null (use ImagePass.LOCAL to run in this JVM)");
            }
        }

        /** Options whose files are written atomically but not recorded, passes over all images run here. */
        public Options(int threads, int imageBatch, List<TrainingListener> listeners) {
            this(threads, imageBatch, listeners, RunFolder.untracked(), ImagePass.LOCAL);
        }

        /** These options with stage files recorded in {@code files}. */
        public Options withFiles(RunFolder files) {
            return new Options(threads, imageBatch, listeners, files, pass);
        }

        /** These options with the passes over all images (features, scores, predictions) run by {@code pass}. */
        public Options withPass(ImagePass pass) {
            return new Options(threads, imageBatch, listeners, files, pass);
        }
    }

    /**
     * Runs seeds + Phase I.
     *
     * @param images     the unlabeled images, in the order that defines the run (see {@link ImageViews#byFileName})
     * @param classNames natural-language class names
     * @param seed       the run seed; model A and B derive their own from it
     * @param work       folder for stage files (created; reused to resume)
     */
    public static Result run(ClipBackbone backbone, UnlabeledImages images, List<String> classNames,
                             PhaseOneConfig cfg, long seed, Path work, Options opt) throws IOException {
        return run(backbone, images, classNames, cfg, seed, work, opt, modelNames(cfg), null);
    }

    /**
     * As {@link #run(ClipBackbone, UnlabeledImages, List, PhaseOneConfig, long, Path, Options)} with given models
     * and, for the supervised few-shot reference only, given training examples ({@code given}: from the images'
     * features (ids) to the examples, or null = zero-shot top-K seeds; see {@link org.coft.dl4j.seeds.LabelledShots}).
     */
    public static Result run(ClipBackbone backbone, UnlabeledImages images, List<String> classNames,
                             PhaseOneConfig cfg, long seed, Path work, Options opt, List<String> modelNames,
                             java.util.function.Function<Features, SeedSet> given) throws IOException {
        PseudoLabels p = pseudoLabels(backbone, images, classNames, cfg, work, opt, given);
        NativeMemory.release("features and seeds");
        Map<String, SeedSet> perModel = new LinkedHashMap<>();
        for (String name : modelNames) {
            perModel.put(name, p.seeds());
        }
        Round r = round(backbone, images, classNames, cfg, seed, work, opt, p.features(), perModel);
        return new Result(p.features(), p.zeroShot(), p.probabilities(), p.seeds(), r.models(), r.scores());
    }

    /**
     * The zero-shot pseudo-labelling stage: every image's frozen features, the zero-shot classifier of the config's
     * templates (and descriptions), its probabilities [N, C] and the seeds picked from them.
     */
    public record PseudoLabels(Features features, ZeroShotClassifier zeroShot, INDArray probabilities,
                               SeedSet seeds) { }

    /**
     * Zero-shot pseudo-labelling as a stage of its own (the first of CoFT; Phase I trains on its seeds): image
     * features (cached in {@code work}, resumable), zero-shot probabilities, the top-K seeds per class
     * ({@code cfg.seedsPerClass()}, {@code cfg.shortfall()}), written to {@value #SEEDS_FILE} and logged.
     *
     * @param given for the supervised few-shot reference only: the training examples instead of seeds, or null
     */
    public static PseudoLabels pseudoLabels(ClipBackbone backbone, UnlabeledImages images, List<String> classNames,
                                            PhaseOneConfig cfg, Path work, Options opt,
                                            java.util.function.Function<Features, SeedSet> given) throws IOException {
        Files.createDirectories(work);
        long t = System.nanoTime();
        Features feats = features(backbone, images, work.resolve(FEATURES_FILE), opt);
        lap(opt, "image features (" + feats.ids().size() + " images)", t);
        ZeroShotClassifier zs = zeroShot(backbone.plain(), classNames, cfg);
        INDArray probs = Transforms.softmax(zs.logits(feats.features()).castTo(DataType.DOUBLE), true);
        SeedSet seeds = given != null ? given.apply(feats)
                : SeedSelection.topKPerClass(probs, feats.ids(), cfg.seedsPerClass(), cfg.shortfall());
        if (given != null) {
            for (var s : seeds.seeds()) {
                if (s.index() < 0 || s.index() >= feats.ids().size() || !feats.ids().get(s.index()).equals(s.id())) {
                    throw new IllegalArgumentException("given training example " + s.id() + " at " + s.index()
                            + " is not that image of " + images.description());
                }
            }
        }
        writeSeeds(opt.files(), work.resolve(SEEDS_FILE), seeds, classNames);
        info("seeds: %d (%d per class requested, %d classes)", seeds.size(), cfg.seedsPerClass(),
                classNames.size());
        for (String line : seeds.report(classNames)) {
            LOG.info("  " + line);
        }
        return new PseudoLabels(feats, zs, probs, seeds);
    }

    /** The models of one round of Phase I and their scores of all images. */
    public record Round(Map<String, DualPromptModel> models, Map<String, DualPromptModel.Scores> scores) { }

    /**
     * Trains one model per entry of {@code seedsPerModel} (each on its own seed set; CoFT+'s later rounds) and scores
     * all images with it. Finished models in {@code work} are reused; a model in training resumes from its checkpoint.
     *
     * @param seed the round's seed; model i derives its own from it
     */
    public static Round round(ClipBackbone backbone, UnlabeledImages images, List<String> classNames,
                              PhaseOneConfig cfg, long seed, Path work, Options opt, Features feats,
                              Map<String, SeedSet> seedsPerModel) throws IOException {
        Files.createDirectories(work);
        long t = System.nanoTime();
        Map<String, DualPromptModel> models = new LinkedHashMap<>();
        Map<String, DualPromptModel.Scores> scores = new LinkedHashMap<>();
        Map<SeedSet, PhaseOneTrainer.TrainingData> data = new java.util.IdentityHashMap<>();
        int i = 0;
        for (Map.Entry<String, SeedSet> e : seedsPerModel.entrySet()) {
            String name = e.getKey();
            long modelSeed = SeedStream.PHASE1_MODEL.of(seed, i++);
            Path done = work.resolve(RunFolder.model(name));
            DualPromptModel m;
            if (Files.isRegularFile(done)) {
                m = load(backbone, classNames, cfg, opt.files().verified(done));
                info("model %s: finished earlier (%s)", name, done);
            } else {
                PhaseOneTrainer.TrainingData d = data.get(e.getValue());
                if (d == null) {
                    d = trainingData(backbone, images, feats, e.getValue(), cfg, opt);
                    data.put(e.getValue(), d);
                }
                m = DualPromptModel.create(backbone, classNames, cfg, modelSeed);
                Path ck = work.resolve(RunFolder.checkpoint(name));
                PhaseOneTrainer.train(m, name, d, modelSeed, ck, opt.files(), opt.listeners());
                NativeMemory.release("model " + name + " training");
                save(m, done, seed, opt.files());
                opt.files().delete(ck);
                t = lap(opt, "model " + name + " training", t);
            }
            models.put(name, m);
            scores.put(name, score(m, backbone, images, feats, cfg, opt, done));
            // the training and scoring plans' buffers are not needed after this
            m.releasePlans();
            NativeMemory.release("model " + name + " scoring");
            t = lap(opt, "model " + name + " scoring all images", t);
        }
        return new Round(models, scores);
    }

    /**
     * The zero-shot classifier that picks the seeds: the config's templates, and when it has class descriptions, the
     * mean of the normalised embeddings of every filled template and description of a class.
     *
     * @throws IllegalArgumentException naming a described class that is not one of {@code classNames}
     */
    public static ZeroShotClassifier zeroShot(org.coft.clip.model.ClipModel plain, List<String> classNames,
                                              PhaseOneConfig cfg) {
        PromptTemplates templates = new PromptTemplates(cfg.templates());
        if (cfg.descriptions().isEmpty()) {
            return ZeroShotClassifier.build(plain, classNames, templates);
        }
        for (String c : cfg.descriptions().keySet()) {
            if (!classNames.contains(c)) {
                throw new IllegalArgumentException("class descriptions name '" + c + "', which is not a class; classes "
                        + "are " + classNames);
            }
        }
        List<INDArray> rows = new ArrayList<>();
        for (String c : classNames) {
            List<String> texts = new ArrayList<>(templates.fill(c));
            texts.addAll(cfg.descriptions().getOrDefault(c, List.of()));
            List<INDArray> parts = new ArrayList<>();
            for (int from = 0; from < texts.size(); from += 64) {
                parts.add(plain.encodeTexts(texts.subList(from, Math.min(texts.size(), from + 64))));
            }
            INDArray emb = org.coft.clip.model.ClipModel.normalize(Nd4j.concat(0, parts.toArray(new INDArray[0])));
            rows.add(emb.mean(true, 0));
        }
        return ZeroShotClassifier.fromEmbeddings(plain, classNames, Nd4j.concat(0, rows.toArray(new INDArray[0])));
    }

    private static long lap(Options opt, String what, long since) {
        long now = System.nanoTime();
        info("time: %s %.1f s", what, (now - since) / 1e9);
        return now;
    }

    /** Saves a trained model's parameters and config (atomically). */
    public static void save(DualPromptModel m, Path file, long runSeed) throws IOException {
        save(m, file, runSeed, RunFolder.untracked());
    }

    /** As {@link #save(DualPromptModel, Path, long)}, recorded in {@code files}. */
    public static void save(DualPromptModel m, Path file, long runSeed, RunFolder files) throws IOException {
        ObjectNode meta = JSON.createObjectNode();
        meta.set("config", JSON.readTree(m.config().toJson()));
        meta.set("classes", JSON.valueToTree(m.classNames()));
        meta.put("run_seed", runSeed);
        files.writeArchive(file, RunFolder.Kind.MODEL, m.parameters(), meta.toString());
    }

    /** Loads a model saved by {@link #save}; the config and classes must match those given. */
    public static DualPromptModel load(ClipBackbone backbone, List<String> classNames, PhaseOneConfig cfg, Path file)
            throws IOException {
        ArrayArchive.Contents c = ArrayArchive.read(file);
        var meta = JSON.readTree(c.meta());
        PhaseOneConfig saved = JSON.treeToValue(meta.get("config"), PhaseOneConfig.class);
        if (!saved.withOutputPrior(cfg.outputPrior()).equals(cfg)) { // the output prior is fitted after training
            throw new IOException(file + " was trained with another config; use a fresh output folder");
        }
        List<String> classes = new ArrayList<>();
        meta.get("classes").forEach(n -> classes.add(n.asText()));
        if (!classes.equals(classNames)) {
            throw new IOException(file + " was trained for classes " + classes + ", not " + classNames);
        }
        return DualPromptModel.build(backbone, classNames, cfg, c.arrays());
    }

    /** Frozen projected image features of all images (cached in {@code file}; reused when the ids match). */
    public static Features features(ClipBackbone backbone, UnlabeledImages images, Path file, Options opt)
            throws IOException {
        return features(backbone, images, file, true, opt);
    }

    /** SHA-256 of a source's ordered example ids: what the features cache (and a run's data record) is keyed by. */
    public static String idsFingerprint(UnlabeledImages images) {
        return PhaseOneTrainer.sha256(String.join("\n", images.ids()));
    }

    /**
     * As {@link #features(ClipBackbone, UnlabeledImages, Path, Options)}; with {@code write = false} a matching
     * cache is read but a new one is not written.
     */
    public static Features features(ClipBackbone backbone, UnlabeledImages images, Path file, boolean write,
                                    Options opt) throws IOException {
        String sourceIds = idsFingerprint(images);
        if (file != null && Files.isRegularFile(file)) {
            ArrayArchive.Contents c = ArrayArchive.read(opt.files().verified(file));
            var meta = JSON.readTree(c.meta());
            if (sourceIds.equals(meta.path("source_ids_sha256").asText())) {
                List<String> ids = new ArrayList<>();
                meta.get("ids").forEach(n -> ids.add(n.asText()));
                return new Features(c.arrays().get("features"), ids);
            }
        }
        ImagePass.Result r = opt.pass().run(images, backbone.plain().preprocess(), opt.imageBatch(), opt.threads(),
                ImageFeatureModel.function(backbone.plain()), opt.listeners(), FEATURES_TASK);
        INDArray f = r.output(0);
        List<String> ids = r.ids();
        if (file != null && write) {
            ObjectNode meta = JSON.createObjectNode();
            meta.set("ids", JSON.valueToTree(ids));
            meta.put("source_ids_sha256", sourceIds);
            opt.files().writeArchive(file, RunFolder.Kind.WORK, Map.of("features", f), meta.toString());
        }
        return new Features(f, ids);
    }

    static PhaseOneTrainer.TrainingData trainingData(ClipBackbone backbone, UnlabeledImages images, Features feats,
                                                     SeedSet seeds, PhaseOneConfig cfg, Options opt) throws IOException {
        int[] rows = seeds.indices();
        if (!cfg.visual().needsPixels()) {
            return new PhaseOneTrainer.TrainingData(PhaseOneTrainer.rows(feats.features(), rows), seeds.labels(),
                    seeds.ids());
        }
        return new PhaseOneTrainer.TrainingData(pixels(backbone, images, seeds.ids(), opt), seeds.labels(), seeds.ids());
    }

    /** The examples with the given ids, in that order. */
    public static UnlabeledImages select(UnlabeledImages images, List<String> ids) {
        Map<String, Integer> pos = new HashMap<>();
        for (int i = 0; i < images.size(); i++) {
            pos.put(images.id(i), i);
        }
        return ImageViews.subset(images, ids.stream().mapToInt(pos::get).toArray());
    }

    /** Preprocessed pixels of the examples with the given ids, in that order. */
    static INDArray pixels(ClipBackbone backbone, UnlabeledImages images, List<String> ids, Options opt)
            throws IOException {
        List<INDArray> parts = new ArrayList<>();
        List<String> got = new ArrayList<>();
        try (ImageBatchIterator it = ImageBatchIterator.builder(select(images, ids),
                backbone.plain().preprocess()).batchSize(opt.imageBatch()).threads(opt.threads()).build()) {
            while (it.hasNext()) {
                ImageBatch b = it.nextBatch();
                parts.add(b.images());
                got.addAll(b.ids());
            }
        }
        if (!got.equals(ids)) {
            throw new IOException("some seed images could not be read again: " + images.skipReport().summary());
        }
        return Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    /** Scores every image with a model: from cached features, or through the prompted image tower. */
    public static DualPromptModel.Scores score(DualPromptModel m, ClipBackbone backbone, UnlabeledImages images,
                                               Features feats, PhaseOneConfig cfg, Options opt) throws IOException {
        return score(m, backbone, images, feats, cfg, opt, null);
    }

    /**
     * As {@link #score(DualPromptModel, ClipBackbone, UnlabeledImages, Features, PhaseOneConfig, Options)}; a pass
     * through the image tower may run remotely ({@link Options#pass()}), building the model saved in {@code file}.
     *
     * @param file       where {@code m} is saved ({@link #save}), or null when it runs in this JVM only
     */
    public static DualPromptModel.Scores score(DualPromptModel m, ClipBackbone backbone, UnlabeledImages images,
                                               Features feats, PhaseOneConfig cfg, Options opt, Path file)
            throws IOException {
        if (m.inputIsPixels()) {
            ImagePass.Result r = opt.pass().run(select(images, feats.ids()), backbone.plain().preprocess(),
                    cfg.scoreBatch(), opt.threads(), ScoringModel.function(m, backbone, cfg, file),
                    opt.listeners(), SCORING_TASK);
            if (!r.ids().equals(feats.ids())) {
                throw new IOException("some images could not be read again for scoring: "
                        + images.skipReport().summary());
            }
            return new DualPromptModel.Scores(r.output(0), r.output(1), r.output(2), r.output(3));
        }
        List<DualPromptModel.Scores> parts = new ArrayList<>();
        ImagePass.progress(opt.listeners(), SCORING_TASK, 0, feats.ids().size());
        long n = feats.features().size(0);
        for (long from = 0; from < n; from += cfg.scoreBatch()) {
            long to = Math.min(n, from + cfg.scoreBatch());
            parts.add(m.score(feats.features().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                    org.nd4j.linalg.indexing.NDArrayIndex.all())));
            ImagePass.progress(opt.listeners(), SCORING_TASK, to, n);
        }
        return new DualPromptModel.Scores(cat(parts, 0), cat(parts, 1), cat(parts, 2), cat(parts, 3));
    }

    private static INDArray cat(List<DualPromptModel.Scores> parts, int which) {
        List<INDArray> a = new ArrayList<>();
        for (DualPromptModel.Scores s : parts) {
            INDArray x = switch (which) {
                case 0 -> s.logits();
                case 1 -> s.sPos();
                case 2 -> s.sNeg();
                default -> s.pClean();
            };
            if (x == null) {
                return null;
            }
            a.add(x);
        }
        return Nd4j.concat(0, a.toArray(new INDArray[0]));
    }

    /** Writes a seed set as CSV ({@code id,pseudo_label,confidence,filled}), atomically. */
    public static void writeSeeds(Path file, SeedSet seeds, List<String> classNames) throws IOException {
        writeSeeds(RunFolder.untracked(), file, seeds, classNames);
    }

    /** As {@link #writeSeeds(Path, SeedSet, List)}, recorded in {@code files}. */
    public static void writeSeeds(RunFolder files, Path file, SeedSet seeds, List<String> classNames)
            throws IOException {
        StringBuilder sb = new StringBuilder("id,pseudo_label,confidence,filled\n");
        for (var s : seeds.seeds()) {
            sb.append(String.format("%s,%s,%.6f,%s%n", csv(s.id()), csv(classNames.get(s.label())), s.confidence(),
                    s.filled()));
        }
        files.writeString(file, RunFolder.Kind.WORK, sb.toString());
    }

    /** A CSV field, quoted when it holds a comma or a quote. */
    public static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
