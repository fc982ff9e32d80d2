package org.coft.search;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.coft.datavec.augment.AugmentationConfig;
import org.coft.datavec.iterate.ImageBatch;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.adapt.CoftConfig;
import org.coft.dl4j.adapt.CoftPipeline;
import org.coft.dl4j.adapt.Method;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.DualPromptModel;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.phase1.PhaseOneConfig;
import org.coft.dl4j.phase2.Classifier;
import org.coft.dl4j.phase2.PhaseTwo;
import org.coft.dl4j.run.RunFolder;
import org.coft.dl4j.train.DivergenceGuard;
import org.coft.dl4j.train.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The real {@link CandidateRunner}: each candidate is a full {@code coft adapt} run (CoFT, CoFT+ or CoFT Phase I) in
 * its own folder, with the search's seed, on the same unlabeled images. What candidates share, they share:
 * <ul>
 *   <li>the frozen image features (computed by the first candidate, copied into the others' folders);</li>
 *   <li>a finished Phase I: a candidate whose Phase I settings equal an earlier one's adopts its round-1 models
 *       ({@code --phase1-from}, checked and verified) and trains only what differs;</li>
 *   <li>loaded CLIP backbones, per visual module and context size.</li>
 * </ul>
 * Labels never reach it, except a {@link Validation} set's, which is only used for the supervised objective.
 */
public final class CoftCandidates implements CandidateRunner {
    /** Test-time view of the stability objective: a random resized crop (area 0.6–1, ratios 3/4–4/3), no flip. */
    public static final AugmentationConfig STABILITY_VIEW = new AugmentationConfig(true, 0.6, 1.0, 3.0 / 4.0, 4.0 / 3.0,
            0.0, 0, 0, 0, 0);
    static final long VIEW_SEED = 0x5EA4C4L;
    /**
     * Weight of the dominant image in the mixed-sample probes ({@link Objective#MIXVAL_INTER}): chosen among 0.55
     * (MixVal's published value), 0.6, 0.7 and 0.8 on the development task's two stored searches only.
     */
    public static final double MIX_LAMBDA = 0.7;
    /** Seed of the probes' fixed random matching of the images into pairs. */
    static final long MIX_SEED = 42;

    /** A labelled validation set for the supervised objective only: its images and each id's class index. */
    public record Validation(UnlabeledImages images, ToIntFunction<String> labelOf) { }

    private final Method method;
    private final Adaptation.BaseModel base;
    private final UnlabeledImages images;
    private final String dataSpec;
    private final List<String> classNames;
    private final long seed;
    private final int threads;
    private final PrintWriter log;
    private final Validation validation;
    private final Map<String, ClipBackbone> backbones = new HashMap<>();
    private final Map<String, Integer> phase1Done = new HashMap<>();
    private Path features;

    /**
     * @param base       the CLIP model (folder, embedded or not)
     * @param log        where each candidate's own log goes is its folder's {@code run.log}; this one gets a line
     *                   per stage
     * @param validation null unless the supervised objective is chosen
     */
    public CoftCandidates(Method method, Adaptation.BaseModel base, UnlabeledImages images, String dataSpec,
                          List<String> classNames, long seed, int threads, PrintWriter log, Validation validation) {
        requireSearchable(method);
        Adaptation.checkInputs(classNames, images);
        this.method = method;
        this.base = base;
        this.images = images;
        this.dataSpec = dataSpec;
        this.classNames = List.copyOf(classNames);
        this.seed = seed;
        this.threads = threads;
        this.log = log;
        this.validation = validation;
    }

    /**
     * The same inputs with another run seed, for the {@link BaseGuard}'s replicate runs of the base config: the image
     * features and loaded backbones are shared, a Phase I is not (it depends on the seed), and a forked runner stays
     * forked.
     */
    @Override
    public CoftCandidates withSeed(long seed) {
        CoftCandidates c = new CoftCandidates(method, base, images, dataSpec, classNames, seed, threads, log, validation);
        c.backbones.putAll(backbones);
        c.features = features;
        c.fork = fork;
        return c;
    }

    /** @throws IllegalArgumentException unless a search can run the method (coft, coft-plus, coft-phase1) */
    public static void requireSearchable(Method method) {
        if (method != Method.COFT && method != Method.COFT_PLUS && method != Method.COFT_PHASE1) {
            throw new IllegalArgumentException("--method " + method.cliName() + ": search runs coft, coft-plus or "
                    + "coft-phase1");
        }
    }

    /** Candidates already finished in an earlier search on this folder can lend their Phase I and features too. */
    public void remember(Path out, List<Outcome> finished) {
        for (Outcome o : finished) {
            Path dir = CoftSearch.candidateDir(out, o.index());
            rememberPhaseOne(o.config().phase1(), o.index(), dir);
        }
    }

    private void rememberPhaseOne(PhaseOneConfig p1, int index, Path dir) {
        Path f = method == Method.COFT_PHASE1 ? dir.resolve(RunFolder.FEATURES)
                : CoftPipeline.roundDir(dir, 1).resolve(RunFolder.FEATURES);
        if (features == null && Files.isRegularFile(f)) {
            features = f;
        }
        if (method != Method.COFT_PHASE1) {
            phase1Done.putIfAbsent(p1.toJson(), index);
        }
    }

    /**
     * Runs each candidate in a child JVM from now on (the default of {@code coft search}): the candidate's native
     * memory goes back to the system when it ends, and a candidate that fails or runs out of memory fails alone.
     *
     * @param badImages      the bad-input policy the data was opened with ({@code fail} or {@code skip})
     * @param validationSpec the validation data (null unless {@link Validation} is given)
     */
    public CoftCandidates forked(String badImages, String validationSpec) {
        this.fork = new Fork(badImages, validationSpec);
        return this;
    }

    private record Fork(String badImages, String validationSpec) { }

    private Fork fork;

    @Override
    public Result run(int index, SearchSpace.Point point, Path dir) throws Exception {
        CoftConfig cfg = point.config();
        Integer from = method == Method.COFT_PHASE1 ? null : phase1Done.get(cfg.phase1().toJson());
        if (from == null) {
            shareFeatures(dir);
        } else {
            log.printf("  Phase I: adopted from candidate %d (same Phase I settings)%n", from);
        }
        Objective.Evidence e = fork != null ? CandidateProcess.fork(this, cfg, dir, from) : runHere(cfg, dir, from);
        rememberPhaseOne(cfg.phase1(), index, dir);
        return new Result(e, from == null ? -1 : from);
    }

    /** What {@code coft search} passes a child JVM to open the same inputs. */
    List<String> childArguments() {
        List<String> a = new ArrayList<>(List.of("--method", method.cliName(), "--data", dataSpec, "--seed",
                Long.toString(seed), "--threads", Integer.toString(threads), "--bad-images", fork.badImages()));
        if (!base.embedded()) {
            a.addAll(List.of("--model", base.dir().toAbsolutePath().toString()));
        } else {
            a.addAll(List.of("--embedded-model", base.dir().toAbsolutePath().toString()));
        }
        if (fork.validationSpec() != null) {
            a.addAll(List.of("--validation", fork.validationSpec()));
        }
        return a;
    }

    List<String> classNames() {
        return classNames;
    }

    /** One candidate in this JVM: the run, its predictions file, and the evidence. */
    Objective.Evidence runHere(CoftConfig cfg, Path dir, Integer from) throws Exception {
        ClipBackbone backbone = backbone(cfg.phase1());
        Path logFile = dir.resolve(org.coft.dl4j.run.RunFolder.LOG);
        try (var log = org.coft.dl4j.run.RunLog.to(logFile)) {
            List<TrainingListener> listeners = List.of(new DivergenceGuard());
            PhaseOne.Options opt = new PhaseOne.Options(threads, 256, listeners);
            double[][] zs;
            double[][] fin;
            double[][] aug = null;
            int[][] mix = {null, null};
            Map<String, DualPromptModel.Scores> last;
            boolean[] seeds = new boolean[images.size()];
            double val = Double.NaN;
            List<String> ids;
            Adaptation.Adapted adapted; // the candidate's folder read back once (reading verifies every file)
            if (method == Method.COFT_PHASE1) {
                PhaseOne.Result r = Adaptation.adapt(method, base, backbone, images, dataSpec, classNames, cfg.phase1(),
                        seed, dir, opt);
                adapted = Adaptation.read(dir);
                zs = matrix(r.zeroShotProbabilities());
                ids = r.features().ids();
                fin = matrix(r.ensembleProbabilities());
                last = r.scores();
                for (int i : r.seeds().indices()) {
                    seeds[i] = true;
                }
                if (validation != null) {
                    Adaptation.Predictions p = Adaptation.predict(adapted, backbone, validation.images(), opt);
                    val = accuracy(p.ids(), PhaseTwo.argmax(p.probabilities()));
                }
            } else {
                CoftPipeline.Result r = Adaptation.adaptCoft(method, base, backbone, images, dataSpec, classNames, cfg,
                        seed, dir, opt, listeners, from == null ? null : CoftSearch.candidateDir(dir.toAbsolutePath()
                                .getParent().getParent(), from));
                adapted = Adaptation.read(dir);
                zs = matrix(r.firstRound().zeroShotProbabilities());
                ids = r.firstRound().features().ids();
                last = r.lastRound();
                for (int i : r.firstRound().seeds().indices()) {
                    seeds[i] = true;
                }
                UnlabeledImages ordered = PhaseOne.select(images, ids);
                try (Classifier c = Adaptation.classifier(adapted).withOutputBias(null)) {
                    fin = matrix(c.predict(ordered, 256, threads).probabilities());
                    aug = matrix(augmented(c, ordered));
                    mix = mixedSampleProbes(c, images, ids, Objective.argmax(fin), MIX_LAMBDA, threads);
                    if (validation != null) {
                        Classifier.Predictions p = c.predict(validation.images(), 256, threads);
                        val = accuracy(p.ids(), PhaseTwo.argmax(org.coft.dl4j.phase1.OutputPrior.apply(
                                p.probabilities(), adapted.outputBias())));
                    }
                }
            }
            // the candidate's predictions as delivered (with its output prior); the objectives read the raw ones, on
            // which they were measured (a uniform output prior would make every candidate look balanced)
            writePredictions(dir, ids, matrix(org.coft.dl4j.phase1.OutputPrior.apply(
                    org.nd4j.linalg.factory.Nd4j.createFromArray(fin), adapted.outputBias())));
            List<DualPromptModel.Scores> ab = new ArrayList<>(last.values());
            DualPromptModel.Scores a = ab.get(0);
            DualPromptModel.Scores b = ab.size() > 1 ? ab.get(1) : ab.get(0);
            return new Objective.Evidence(zs, fin, aug, matrix(a.pClean()), matrix(b.pClean()),
                    PhaseTwo.argmax(a.logits()), PhaseTwo.argmax(b.logits()), seeds, val,
                    method == Method.COFT_PHASE1 ? null : matrix(PhaseOne.ensemble(last.values())), mix[0], mix[1]);
        }
    }

    /** Copies the features the first candidate computed into this candidate's folder (recorded in its ledger). */
    private void shareFeatures(Path dir) throws IOException {
        if (features == null) {
            return;
        }
        Path target = method == Method.COFT_PHASE1 ? dir.resolve(RunFolder.FEATURES)
                : CoftPipeline.roundDir(dir, 1).resolve(RunFolder.FEATURES);
        if (Files.exists(target)) {
            return;
        }
        Files.createDirectories(target.getParent());
        RunFolder files = RunFolder.create(dir);
        Path src = features;
        files.writeFile(target, RunFolder.Kind.WORK, "image features shared by the search's candidates",
                tmp -> Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING));
    }

    private ClipBackbone backbone(PhaseOneConfig p1) throws Exception {
        String key = p1.visual() + "/" + p1.promptTokens() + "/" + p1.contextTokens() + "/" + p1.contextInit();
        ClipBackbone b = backbones.get(key);
        if (b == null) {
            b = ClipBackbone.load(base.dir(), p1, classNames);
            backbones.put(key, b);
        }
        return b;
    }

    /** The classifier's probabilities on the stability view of every image (fixed seed: the same view each time). */
    private INDArray augmented(Classifier c, UnlabeledImages ordered) {
        List<INDArray> parts = new ArrayList<>();
        try (ImageBatchIterator it = ImageBatchIterator.builder(ordered, c.preprocess()).batchSize(256)
                .threads(threads).augmentation(STABILITY_VIEW).seed(VIEW_SEED).build()) {
            while (it.hasNext()) {
                ImageBatch b = it.nextBatch();
                parts.add(c.probabilities(b.images()));
                b.images().close();
            }
        }
        return Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    /**
     * The mixed-sample probes: the images paired by a fixed random matching ({@link #MIX_SEED}), each mixed in pixel
     * space with its partner ({@code lambda} of it), the classifier's class for every mix and the partner's
     * prediction ({@code pred}, raw; −1 for an image left without a partner). Rows in the order of {@code ids}.
     *
     * @return {classes of the mixes, partners' predictions}
     */
    public static int[][] mixedSampleProbes(Classifier c, UnlabeledImages images, List<String> ids, int[] pred,
                                            double lambda, int threads) {
        int n = ids.size();
        int[] perm = new int[n];
        java.util.Arrays.setAll(perm, i -> i);
        java.util.Random r = new java.util.Random(MIX_SEED);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        List<String> shuffled = new ArrayList<>(n);
        for (int p : perm) {
            shuffled.add(ids.get(p));
        }
        int[] mixPred = new int[n];
        int[] partnerLabel = new int[n];
        java.util.Arrays.fill(partnerLabel, -1);
        int row = 0;
        try (ImageBatchIterator it = ImageBatchIterator.builder(PhaseOne.select(images, shuffled), c.preprocess())
                .batchSize(256).threads(threads).build()) { // an even batch: partners (2k, 2k + 1) share it
            while (it.hasNext()) {
                ImageBatch b = it.nextBatch();
                INDArray x = b.images();
                int m = (int) x.size(0);
                int[] partner = new int[m];
                for (int i = 0; i < m; i++) {
                    partner[i] = i % 2 == 0 ? Math.min(i + 1, m - 1) : i - 1;
                }
                INDArray other = Nd4j.pullRows(x.reshape(m, -1), 1, partner).reshape(x.shape());
                INDArray mixed = x.mul(lambda).addi(other.muli(1 - lambda));
                int[] cls = PhaseTwo.argmax(c.probabilities(mixed));
                for (int i = 0; i < m; i++) {
                    int gi = perm[row + i];
                    int go = perm[row + partner[i]];
                    mixPred[gi] = cls[i];
                    partnerLabel[gi] = gi == go ? -1 : pred[go];
                }
                row += m;
                x.close();
                other.close();
                mixed.close();
            }
        }
        return new int[][] {mixPred, partnerLabel};
    }

    private double accuracy(List<String> ids, int[] pred) {
        int right = 0;
        for (int i = 0; i < ids.size(); i++) {
            right += validation.labelOf().applyAsInt(ids.get(i)) == pred[i] ? 1 : 0;
        }
        return (double) right / ids.size();
    }

    /** The file a candidate's final predictions go to (id, class index), for measuring a search afterwards. */
    public static final String PREDICTIONS = "predictions.csv";

    /** A candidate's final predictions as {@link #PREDICTIONS} holds them: ids in the evidence's row order, classes. */
    public record Predictions(List<String> ids, int[] classes) { }

    /**
     * Reads a candidate folder's {@link #PREDICTIONS} (ids quoted as {@link PhaseOne#csv} writes them).
     *
     * @throws IOException naming the file when it is missing
     */
    public static Predictions readPredictions(Path dir) throws IOException {
        Path csv = dir.resolve(PREDICTIONS);
        if (!Files.isRegularFile(csv)) {
            throw new IOException(csv + " is missing (the candidate's predictions)");
        }
        List<String> lines = Files.readAllLines(csv);
        List<String> ids = new ArrayList<>(lines.size() - 1);
        int[] classes = new int[lines.size() - 1];
        for (String line : lines.subList(1, lines.size())) {
            int comma = line.lastIndexOf(',');
            String id = line.substring(0, comma);
            if (id.startsWith("\"")) {
                id = id.substring(1, id.length() - 1).replace("\"\"", "\"");
            }
            classes[ids.size()] = Integer.parseInt(line.substring(comma + 1));
            ids.add(id);
        }
        return new Predictions(ids, classes);
    }

    private static void writePredictions(Path dir, List<String> ids, double[][] fin) throws IOException {
        int[] pred = Objective.argmax(fin);
        StringBuilder sb = new StringBuilder("id,class\n");
        for (int i = 0; i < pred.length; i++) {
            sb.append(PhaseOne.csv(ids.get(i))).append(',').append(pred[i]).append('\n');
        }
        org.coft.dl4j.train.ArrayArchive.writeString(dir.resolve(PREDICTIONS), sb.toString());
    }

    private static double[][] matrix(INDArray a) {
        return a.castTo(DataType.DOUBLE).toDoubleMatrix();
    }
}
