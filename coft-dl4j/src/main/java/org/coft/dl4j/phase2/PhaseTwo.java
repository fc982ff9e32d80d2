package org.coft.dl4j.phase2;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.model.ClipModel;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.phase1.DualPromptModel;
import org.coft.dl4j.run.RunFolder;
import org.coft.dl4j.train.SeedStream;
import org.coft.dl4j.train.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * CoFT Phase II on unlabeled images: the Phase I models' scores → pseudo labels kept by the configured filter
 * ({@link PhaseTwoConfig.Filter}) → one or two {@link FineTuneNetwork}s fine-tuned on them → each saved as a
 * self-contained classifier graph ({@value #CLASSIFIER_PREFIX}{@code <name>.fb}, see {@link Classifier}).
 * Finished networks are reused, a network in training resumes from its epoch checkpoint.
 */
public final class PhaseTwo {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PhaseTwo.class);

    /** One line of the run log (SLF4J INFO), formatted as {@link String#format}. */
    private static void info(String format, Object... args) {
        LOG.info(String.format(format, args));
    }

    public static final String CLASSIFIER_PREFIX = "classifier-";
    public static final String LABELS_FILE = RunFolder.PHASE2_LABELS;

    private PhaseTwo() {
    }

    /** The pseudo labels of each network to train (−1: no label), and the filter's statistics line. */
    /**
     * @param perNetwork each Phase II network's label per image (−1 = none)
     * @param labelsA    model A's label per image (arg-max of its positive prompts); null when not known
     * @param keptA      whether the filter kept A's label
     * @param labelsB    model B's label per image
     * @param keptB      whether the filter kept B's label
     */
    public record Labels(Map<String, int[]> perNetwork, int[] labelsA, boolean[] keptA, int[] labelsB, boolean[] keptB,
                         String summary) {
        /** Labels given as they are (e.g. the seed set), without the two models' labels behind them. */
        public Labels(Map<String, int[]> perNetwork, String summary) {
            this(perNetwork, null, null, null, null, summary);
        }
    }

    /**
     * Which labels each Phase II network trains on (a pure function of the two models' scores).
     *
     * @param a model A's scores (s⁺, s⁻ for CROSS and SELF; logits suffice for AGREEMENT and NONE)
     */
    public static Labels labels(PhaseTwoConfig cfg, DualPromptModel.Scores a, DualPromptModel.Scores b) {
        int[] la = argmax(a.logits());
        int[] lb = argmax(b.logits());
        int n = la.length;
        boolean[] keepA = new boolean[n];
        boolean[] keepB = new boolean[n];
        String how;
        switch (cfg.filter()) {
            case CROSS -> {
                CollaborativeFilter.Result r = CollaborativeFilter.filter(scores(a), scores(b));
                keepA = r.keptByB();
                keepB = r.keptByA();
                how = "cross-model (A's labels checked by B's prompts and vice versa)";
            }
            case SELF -> {
                CollaborativeFilter.Result r = CollaborativeFilter.filter(scores(a), scores(a));
                CollaborativeFilter.Result s = CollaborativeFilter.filter(scores(b), scores(b));
                keepA = r.keptByB();
                keepB = s.keptByB();
                how = "self (each model checks its own labels)";
            }
            case AGREEMENT -> {
                for (int i = 0; i < n; i++) {
                    keepA[i] = la[i] == lb[i];
                    keepB[i] = keepA[i];
                }
                how = "agreement of the two models' positive prompts (no negative prompt)";
            }
            default -> {
                java.util.Arrays.fill(keepA, true);
                java.util.Arrays.fill(keepB, true);
                how = "none (every label kept)";
            }
        }
        Map<String, int[]> out = new LinkedHashMap<>();
        int ka = 0;
        int kb = 0;
        int conflicts = 0;
        if (cfg.cleanSets() == PhaseTwoConfig.CleanSets.ENSEMBLE) {
            int[] ya = new int[n];
            int[] yb = new int[n];
            for (int i = 0; i < n; i++) {
                ya[i] = keepA[i] ? la[i] : -1;
                yb[i] = keepB[i] ? lb[i] : -1;
                ka += keepA[i] ? 1 : 0;
                kb += keepB[i] ? 1 : 0;
            }
            out.put("A", ya);
            out.put("B", yb);
        } else {
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                ka += keepA[i] ? 1 : 0;
                kb += keepB[i] ? 1 : 0;
                if (keepA[i] && keepB[i] && la[i] != lb[i]) {
                    y[i] = -1;
                    conflicts++;
                } else {
                    y[i] = keepA[i] ? la[i] : keepB[i] ? lb[i] : -1;
                }
            }
            out.put("U", y);
        }
        StringBuilder sb = new StringBuilder(String.format("phase II labels, filter %s: %d images; A's kept %d (%.1f %%), "
                + "B's kept %d (%.1f %%)", how, n, ka, 100.0 * ka / n, kb, 100.0 * kb / n));
        for (Map.Entry<String, int[]> e : out.entrySet()) {
            int kept = (int) java.util.Arrays.stream(e.getValue()).filter(v -> v >= 0).count();
            sb.append(String.format("; network %s trains on %d labelled images", e.getKey(), kept));
        }
        if (cfg.cleanSets() == PhaseTwoConfig.CleanSets.UNION) {
            sb.append(String.format(" (%d conflicting labels left out)", conflicts));
        }
        return new Labels(out, la, keepA, lb, keepB, sb.toString());
    }

    /**
     * {@link PhaseTwoConfig.ManifoldCheck}: keeps a network's label only where label propagation of the seed labels
     * over the image features' nearest-neighbour graph gives the same class; {@code labels} as they are under
     * {@code NONE}.
     *
     * @param features   the frozen image features [N, D], in the labels' image order
     * @param seedLabels per image its seed label, or −1
     */
    public static Labels manifoldCheck(PhaseTwoConfig cfg, Labels labels, INDArray features, int[] seedLabels,
                                       int classes) {
        if (cfg.manifoldCheck() == PhaseTwoConfig.ManifoldCheck.NONE) {
            return labels;
        }
        int[] propagated = LabelPropagation.standard(cfg.manifoldNeighbours()).predict(features, seedLabels, classes);
        int seeds = (int) java.util.Arrays.stream(seedLabels).filter(v -> v >= 0).count();
        Map<String, int[]> out = new LinkedHashMap<>();
        StringBuilder sb = new StringBuilder(labels.summary()).append(String.format("; manifold check (label "
                + "propagation of the %d seeds over the %d-nearest-neighbour graph of the image features)", seeds,
                cfg.manifoldNeighbours()));
        for (Map.Entry<String, int[]> e : labels.perNetwork().entrySet()) {
            int[] y = e.getValue().clone();
            int before = 0;
            int after = 0;
            for (int i = 0; i < y.length; i++) {
                if (y[i] >= 0) {
                    before++;
                    if (y[i] == propagated[i]) {
                        after++;
                    } else {
                        y[i] = -1;
                    }
                }
            }
            out.put(e.getKey(), y);
            sb.append(String.format(": network %s keeps %d of its %d labels", e.getKey(), after, before));
        }
        return new Labels(out, labels.labelsA(), labels.keptA(), labels.labelsB(), labels.keptB(), sb.toString());
    }

    /**
     * The labels of a self-training round ({@link PhaseTwoConfig#selfTraining()}): every image's arg-max class under
     * {@code probabilities}, kept for the most confident images of each predicted class — the same share
     * {@code keep / N} of every class (rounded), most probable first, ties to the lower index.
     *
     * @param probabilities [N, C] the last network's class probabilities
     * @param keep          how many labels to keep in all (e.g. as many as the filter kept)
     * @param network       the name of the network the labels are for
     */
    public static Labels selfTrainingLabels(INDArray probabilities, int keep, String network) {
        double[][] p = probabilities.castTo(DataType.DOUBLE).toDoubleMatrix();
        int n = p.length;
        if (keep < 0 || keep > n) {
            throw new IllegalArgumentException("self-training: keep " + keep + " of " + n + " images");
        }
        int classes = n == 0 ? 0 : p[0].length;
        int[] arg = new int[n];
        java.util.List<java.util.List<Integer>> byClass = new java.util.ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new java.util.ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            arg[i] = CollaborativeFilter.argmax(p[i]);
            byClass.get(arg[i]).add(i);
        }
        int[] y = new int[n];
        java.util.Arrays.fill(y, -1);
        int kept = 0;
        for (int c = 0; c < classes; c++) {
            java.util.List<Integer> members = byClass.get(c);
            final int cls = c;
            members.sort((a, b) -> p[a][cls] != p[b][cls] ? Double.compare(p[b][cls], p[a][cls])
                    : Integer.compare(a, b));
            int take = (int) Math.round((double) keep * members.size() / Math.max(n, 1));
            for (int j = 0; j < take; j++) {
                y[members.get(j)] = c;
                kept++;
            }
        }
        Map<String, int[]> out = new LinkedHashMap<>();
        out.put(network, y);
        return new Labels(out, String.format("self-training labels for network %s: the last network's most confident "
                + "%d of %d images (%.1f %% of each predicted class)", network, kept, n, 100.0 * keep / Math.max(n, 1)));
    }

    private static CollaborativeFilter.Scores scores(DualPromptModel.Scores s) {
        if (s.sNeg() == null) {
            throw new IllegalArgumentException("this filter needs negative prompts (s-); the Phase I models have none");
        }
        return new CollaborativeFilter.Scores(s.sPos(), s.sNeg());
    }

    /** Row-wise arg-max of a [N, C] array (the first of ties). */
    public static int[] argmax(INDArray a) {
        double[][] m = a.castTo(DataType.DOUBLE).toDoubleMatrix();
        int[] out = new int[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = CollaborativeFilter.argmax(m[i]);
        }
        return out;
    }

    /** {@code live ← α live + (1 − α) start}, in place, for every parameter. */
    static void interpolate(Map<String, INDArray> live, Map<String, INDArray> start, double alpha) {
        for (Map.Entry<String, INDArray> p : live.entrySet()) {
            INDArray s0 = start.get(p.getKey());
            if (s0 == null) {
                throw new IllegalStateException("no start value of parameter " + p.getKey());
            }
            p.getValue().muli(alpha).addi(s0.mul(1 - alpha));
        }
    }

    private static String priorText(double[] p) {
        StringBuilder sb = new StringBuilder("[");
        for (int c = 0; c < p.length; c++) {
            sb.append(c == 0 ? "" : " ").append(String.format("%.3f", p[c]));
        }
        return sb.append(']').toString();
    }

    /** Options of a run; {@code files} writes, records and verifies the networks' files (see {@link RunFolder}). */
    public record Options(int threads, List<TrainingListener> listeners, RunFolder files) {
        public Options {
            if (files == null) {
                throw new IllegalArgumentException("files: null (use RunFolder.untracked() for none)");
            }
        }

        /** Options whose files are written atomically but not recorded. */
        public Options(int threads, List<TrainingListener> listeners) {
            this(threads, listeners, RunFolder.untracked());
        }
    }

    /**
     * Trains (or reuses) the Phase II networks and writes their classifier graphs into {@code work}.
     *
     * @param images     all images, in the order of the labels
     * @param classHead  initial head [C, E] for {@link PhaseTwoConfig.Head#TEXT} and
     *                   {@link PhaseTwoConfig.Head#PROMPTS}
     * @return the classifier files written, by network name
     */
    public static Map<String, Path> run(ClipModel plain, INDArray classHead, UnlabeledImages images, Labels labels,
                                        int classes, PhaseTwoConfig cfg, long seed, Path work, Options opt)
            throws IOException {
        Files.createDirectories(work);
        Map<String, Path> out = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, int[]> e : labels.perNetwork().entrySet()) {
            String name = e.getKey();
            long netSeed = SeedStream.PHASE2_NETWORK.of(seed, i++);
            Path done = work.resolve(RunFolder.classifier(name));
            if (Files.isRegularFile(done)) {
                opt.files().verified(done);
                info("phase II network %s: finished earlier (%s)", name, done);
                out.put(name, done);
                continue;
            }
            long t = System.nanoTime();
            INDArray head = cfg.head() != PhaseTwoConfig.Head.RANDOM ? classHead
                    : org.coft.clip.model.ClipModel.normalize(org.coft.dl4j.layers.PromptLearner.gaussian(
                            classHead.shape(), SeedStream.PHASE2_HEAD.of(netSeed), 1.0));
            double[] adjust = cfg.logitAdjustment(e.getValue(), classes);
            if (cfg.balance() != PhaseTwoConfig.Balance.NONE) {
                info("phase II network %s: class balance %s (tau %.2f) over the kept-label prior %s", name,
                        cfg.balance(), cfg.balanceTau(), priorText(PhaseTwoConfig.classPrior(e.getValue(), classes)));
            }
            // plain CoFT has no contrastive term, so nothing for a projection head to feed
            FineTuneNetwork net = FineTuneNetwork.create(plain, head, cfg.gamma(), cfg.tauCont(), adjust,
                    cfg.contrastive() ? cfg.contrastHead() : PhaseTwoConfig.ContrastHead.EMBEDDING, netSeed);
            FineTuneNetwork keyNet = cfg.contrastive() ? FineTuneNetwork.create(plain, head, 0, cfg.tauCont(), null,
                    cfg.contrastHead(), netSeed) : null;
            Path ck = work.resolve(RunFolder.phase2Checkpoint(name));
            Map<String, INDArray> start = null;
            if (cfg.wiseAlpha() < 1) {
                start = new LinkedHashMap<>();
                for (Map.Entry<String, INDArray> p : net.parameters().entrySet()) {
                    start.put(p.getKey(), p.getValue().dup());
                }
            }
            PhaseTwoTrainer.train(net, name, images, e.getValue(), classes, cfg, netSeed, plain.preprocess(), ck,
                    opt.files(), opt.threads(), keyNet, opt.listeners());
            // the step plans' buffers are not needed once this network is trained
            net.releasePlans();
            if (keyNet != null) {
                keyNet.releasePlans();
            }
            org.coft.dl4j.train.NativeMemory.release("phase II network " + name);
            if (start != null) {
                interpolate(net.parameters(), start, cfg.wiseAlpha());
                info("phase II network %s: weight-space ensemble %.2f x fine-tuned + %.2f x start", name,
                        cfg.wiseAlpha(), 1 - cfg.wiseAlpha());
            }
            Classifier.save(net, done, opt.files());
            opt.files().delete(ck);
            info("time: phase II network %s %.1f s", name, (System.nanoTime() - t) / 1e9);
            out.put(name, done);
        }
        return out;
    }
}
