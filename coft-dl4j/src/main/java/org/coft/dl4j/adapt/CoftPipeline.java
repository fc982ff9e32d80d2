package org.coft.dl4j.adapt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.DualPromptModel;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.phase2.PhaseTwo;
import org.coft.dl4j.phase2.PhaseTwoConfig;
import org.coft.dl4j.seeds.SeedSelection;
import org.coft.dl4j.seeds.SeedSet;
import org.coft.dl4j.train.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * CoFT and CoFT+ end to end on unlabeled images: zero-shot seeds → R rounds of Phase I (round r > 1: both models
 * re-initialised, each on the top-K seeds of its own round r − 1 model) → filtering of the last round's labels →
 * Phase II fine-tuning → classifier graphs. Every stage leaves its files in the output folder ({@code phase1/},
 * {@code round-r/}, {@value PhaseTwo#LABELS_FILE}, Phase II checkpoints and classifiers), so a run given the same
 * folder continues after the last finished stage (within a model, from its last checkpoint).
 */
public final class CoftPipeline {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CoftPipeline.class);

    /** One line of the run log (SLF4J INFO), formatted as {@link String#format}. */
    private static void info(String format, Object... args) {
        LOG.info(String.format(format, args));
    }

    private CoftPipeline() {
    }

    /**
     * What the pipeline produced.
     *
     * @param roundProbabilities each Phase I round's classifier (the mean of its models' probabilities) on every image,
     *                           round 1 first
     */
    public record Result(PhaseOne.Result firstRound, Map<String, DualPromptModel.Scores> lastRound,
                         PhaseTwo.Labels labels, Map<String, Path> classifiers, List<INDArray> roundProbabilities) { }

    /**
     * @param phase2Listeners listeners of the Phase II networks' training
     */
    public static Result run(ClipBackbone backbone, UnlabeledImages images, List<String> classNames, CoftConfig cfg,
                             long seed, Path out, PhaseOne.Options opt, List<TrainingListener> phase2Listeners)
            throws IOException {
        return run(backbone, images, classNames, cfg, seed, out, opt, phase2Listeners, new RunTrace());
    }

    /**
     * Phase II's initial head under {@link PhaseTwoConfig.Head#PROMPTS}: the mean of the models' normalised
     * positive-prompt class embeddings, normalised again [C, E].
     */
    static INDArray promptHead(java.util.Collection<DualPromptModel> models) {
        INDArray sum = null;
        for (DualPromptModel m : models) {
            INDArray t = org.coft.clip.model.ClipModel.normalize(m.positiveTextFeatures().castTo(DataType.FLOAT));
            sum = sum == null ? t.dup() : sum.addi(t);
        }
        return org.coft.clip.model.ClipModel.normalize(sum);
    }

    /**
     * As above, timing each stage and recording each round's clean sets in {@code trace} (which should also be among
     * the listeners to record the losses); also writes {@value #FILTER_FILE}.
     */
    public static Result run(ClipBackbone backbone, UnlabeledImages images, List<String> classNames, CoftConfig cfg,
                             long seed, Path out, PhaseOne.Options opt, List<TrainingListener> phase2Listeners,
                             RunTrace trace) throws IOException {
        trace.begin("phase I round 1 (features, zero-shot seeds, models A and B)");
        PhaseOne.Result first = PhaseOne.run(backbone, images, classNames, cfg.phase1(), seed, roundDir(out, 1), opt);
        memory(opt, "phase I round 1");
        Map<String, DualPromptModel.Scores> last = first.scores();
        Map<String, DualPromptModel> lastModels = first.models();
        List<INDArray> roundProbabilities = new java.util.ArrayList<>(List.of(first.ensembleProbabilities()));
        if (cfg.rounds() > 1 && last.size() == 2) {
            trace.round(1, PhaseTwo.labels(cfg.phase2(), last.get(PhaseOne.MODELS.get(0)),
                    last.get(PhaseOne.MODELS.get(1))));
        }
        List<String> ids = first.features().ids();
        for (int r = 2; r <= cfg.rounds(); r++) {
            trace.begin("phase I round " + r);
            Path dir = roundDir(out, r);
            Files.createDirectories(dir);
            Map<String, SeedSet> seeds = new LinkedHashMap<>();
            for (Map.Entry<String, DualPromptModel.Scores> e : last.entrySet()) {
                INDArray p = Transforms.softmax(e.getValue().logits().castTo(DataType.DOUBLE), true);
                SeedSet s = SeedSelection.topKPerClass(p, ids, cfg.phase1().seedsPerClass(), cfg.phase1().shortfall());
                PhaseOne.writeSeeds(opt.files(), dir.resolve("seeds-" + e.getKey().toLowerCase() + ".csv"), s,
                        classNames);
                info("round %d: model %s picks %d seeds with its round %d model", r, e.getKey(), s.size(),
                        r - 1);
                seeds.put(e.getKey(), s);
            }
            PhaseOne.Round round = PhaseOne.round(backbone, images, classNames, cfg.phase1(), roundSeed(seed, r), dir,
                    opt, first.features(), seeds);
            last = round.scores();
            lastModels = round.models();
            roundProbabilities.add(PhaseOne.ensemble(last.values()));
            memory(opt, "phase I round " + r);
            if (r < cfg.rounds()) {
                trace.round(r, PhaseTwo.labels(cfg.phase2(), last.get(PhaseOne.MODELS.get(0)),
                        last.get(PhaseOne.MODELS.get(1))));
            }
        }
        if (last.size() != 2) {
            throw new IllegalStateException("Phase II needs the two Phase I models, got " + last.keySet());
        }
        trace.begin("collaborative filtering");
        DualPromptModel.Scores a = last.get(PhaseOne.MODELS.get(0));
        DualPromptModel.Scores b = last.get(PhaseOne.MODELS.get(1));
        PhaseTwo.Labels labels = PhaseTwo.manifoldCheck(cfg.phase2(), PhaseTwo.labels(cfg.phase2(), a, b),
                first.features().features(), seedLabels(first.seeds(), ids.size()), classNames.size());
        trace.round(cfg.rounds(), labels);
        LOG.info(labels.summary());
        writeLabels(opt.files(), out.resolve(PhaseTwo.LABELS_FILE), ids, labels, classNames);
        writeFilter(opt.files(), out.resolve(FILTER_FILE), ids, labels, a, b, classNames);
        trace.begin("phase II");
        UnlabeledImages ordered = PhaseOne.select(images, ids);
        INDArray head = switch (cfg.phase2().head()) {
            case PROMPTS -> promptHead(lastModels.values());
            case PLAIN -> org.coft.clip.zeroshot.ZeroShotClassifier.build(backbone.plain(), classNames,
                    org.coft.clip.zeroshot.PromptTemplates.single()).classEmbeddings();
            default -> first.zeroShot().classEmbeddings();
        };
        Map<String, Path> classifiers = PhaseTwo.run(backbone.plain(), head, ordered, labels,
                classNames.size(), cfg.phase2(), seed, out, new PhaseTwo.Options(opt.threads(), phase2Listeners,
                        opt.files()));
        memory(opt, "phase II");
        int keep = keptCount(labels);
        for (int r = 1; r <= cfg.phase2().selfTraining(); r++) {
            trace.begin("phase II self-training round " + r);
            INDArray probabilities;
            try (var c = org.coft.dl4j.phase2.Classifier.load(List.copyOf(classifiers.values()),
                    backbone.plain().preprocess(), classNames)) {
                probabilities = c.predict(ordered, cfg.phase2().scoreBatch(), opt.threads(), opt.listeners(), opt.pass())
                        .probabilities();
            }
            PhaseTwo.Labels st = PhaseTwo.selfTrainingLabels(probabilities, keep, "ST" + r);
            LOG.info(st.summary());
            writeLabels(opt.files(), out.resolve(org.coft.dl4j.run.RunFolder.selfTrainingLabels(r)), ids, st,
                    classNames);
            classifiers = PhaseTwo.run(backbone.plain(), head, ordered, st, classNames.size(), cfg.phase2(),
                    org.coft.dl4j.train.SeedStream.SELF_TRAINING.of(seed, r), out, new PhaseTwo.Options(opt.threads(),
                            phase2Listeners, opt.files()));
            memory(opt, "phase II self-training round " + r);
        }
        trace.end();
        return new Result(first, last, labels, classifiers, roundProbabilities);
    }

    /**
     * The filter's inputs and outcome per image: {@code id,label_a,label_b,pclean_b_of_a,pclean_a_of_b,kept_a,kept_b}
     * — each model's label, the p_clean the other model gives it, and whether the filter kept it (p_clean columns
     * empty without a negative prompt).
     */
    public static final String FILTER_FILE = org.coft.dl4j.run.RunFolder.FILTER;

    private static void writeFilter(org.coft.dl4j.run.RunFolder files, Path file, List<String> ids,
                                    PhaseTwo.Labels labels, DualPromptModel.Scores a, DualPromptModel.Scores b,
                                    List<String> classNames) throws IOException {
        StringBuilder sb = new StringBuilder("id,label_a,label_b,pclean_b_of_a,pclean_a_of_b,kept_a,kept_b\n");
        int[] la = labels.labelsA();
        int[] lb = labels.labelsB();
        for (int i = 0; i < ids.size(); i++) {
            sb.append(PhaseOne.csv(ids.get(i))).append(',').append(PhaseOne.csv(classNames.get(la[i]))).append(',')
                    .append(PhaseOne.csv(classNames.get(lb[i]))).append(',')
                    .append(b.pClean() == null ? "" : String.format(java.util.Locale.ROOT, "%.6f", b.pClean().getDouble(i, la[i])))
                    .append(',')
                    .append(a.pClean() == null ? "" : String.format(java.util.Locale.ROOT, "%.6f", a.pClean().getDouble(i, lb[i])))
                    .append(',').append(labels.keptA()[i]).append(',').append(labels.keptB()[i]).append('\n');
        }
        files.writeString(file, org.coft.dl4j.run.RunFolder.Kind.RECORD, sb.toString());
    }

    /** Images with at least one network's label. */
    static int keptCount(PhaseTwo.Labels labels) {
        int n = labels.perNetwork().values().iterator().next().length;
        int kept = 0;
        for (int i = 0; i < n; i++) {
            for (int[] y : labels.perNetwork().values()) {
                if (y[i] >= 0) {
                    kept++;
                    break;
                }
            }
        }
        return kept;
    }

    /** Per image its seed label, or −1. */
    static int[] seedLabels(SeedSet seeds, int n) {
        int[] y = new int[n];
        java.util.Arrays.fill(y, -1);
        for (org.coft.dl4j.seeds.Seed s : seeds.seeds()) {
            y[s.index()] = s.label();
        }
        return y;
    }

    /** The folder of Phase I round {@code r} (1-based) in an output folder. */
    public static Path roundDir(Path out, int r) {
        return out.resolve(r == 1 ? "phase1" : "round-" + r);
    }

    /** The seed of Phase I round {@code r}: the run seed for round 1, one derived from it for later rounds. */
    public static long roundSeed(long seed, int r) {
        return r == 1 ? seed : org.coft.dl4j.train.SeedStream.ROUND.of(seed, r);
    }

    /**
     * Logs the process's peak resident memory so far (Linux; native ND4J buffers included). The stage before has
     * already returned its freed native memory: PhaseOne.round after each model, PhaseTwo.run after each network.
     */
    static void memory(PhaseOne.Options opt, String after) {
        long kib = peakRssKib();
        if (kib > 0) {
            info("memory: peak RSS %.0f MiB after %s", kib / 1024.0, after);
        }
    }

    /** VmHWM of /proc/self/status in KiB, or −1 where unavailable. */
    public static long peakRssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static void writeLabels(org.coft.dl4j.run.RunFolder files, Path file, List<String> ids, PhaseTwo.Labels labels, List<String> classNames)
            throws IOException {
        StringBuilder sb = new StringBuilder("id");
        for (String n : labels.perNetwork().keySet()) {
            sb.append(",label_").append(n.toLowerCase());
        }
        sb.append('\n');
        for (int i = 0; i < ids.size(); i++) {
            sb.append(PhaseOne.csv(ids.get(i)));
            for (int[] y : labels.perNetwork().values()) {
                sb.append(',').append(y[i] < 0 ? "" : PhaseOne.csv(classNames.get(y[i])));
            }
            sb.append('\n');
        }
        files.writeString(file, org.coft.dl4j.run.RunFolder.Kind.WORK, sb.toString());
    }
}
