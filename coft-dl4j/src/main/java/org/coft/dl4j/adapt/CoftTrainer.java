package org.coft.dl4j.adapt;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.coft.dl4j.pass.ImagePass;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.train.DivergenceGuard;
import org.coft.dl4j.train.TrainingListener;

/**
 * CoFT / CoFT+ as one trainer object (arXiv 2602.04337): it holds the method, the config and the seed only; every
 * {@link #fit} draws its randomness from the seed's named streams ({@link org.coft.dl4j.train.SeedStream}), so a
 * trainer can be reused and the same seed on the same images gives the same classifier. {@code fit} writes the run
 * folder (every file atomically, with a SHA-256 ledger; a second {@code fit} into the same folder resumes after the
 * last finished stage) and returns the {@link AdaptedClassifier}. Images come in unlabelled: labels cannot reach it.
 * The run's log goes to SLF4J (INFO, loggers under {@code org.coft.dl4j}), progress to the listeners.
 *
 * <p>What {@code coft adapt --method coft|coft-plus} runs; the stages themselves are {@link Adaptation#adaptCoft}.
 */
public final class CoftTrainer {
    private final Method method;
    private final CoftConfig config;
    private final long seed;
    private final int threads;
    private final List<TrainingListener> listeners;
    private final List<TrainingListener> phaseTwoListeners;
    private final Path phaseOneFrom;
    private final ImagePass pass;

    private CoftTrainer(Method method, CoftConfig config, long seed, int threads, List<TrainingListener> listeners,
                        List<TrainingListener> phaseTwoListeners, Path phaseOneFrom, ImagePass pass) {
        if (method == null || !method.fineTunes()) {
            throw new IllegalArgumentException("method: " + method + " (a CoftTrainer trains coft or coft-plus; Phase I "
                    + "alone, UPL and zero-shot are Adaptation.adapt)");
        }
        if (config == null) {
            throw new IllegalArgumentException("config: null (CoftConfig.coft() or CoftConfig.plus() for the defaults)");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected at least 1)");
        }
        this.method = method;
        this.config = config;
        this.seed = seed;
        this.threads = threads;
        this.listeners = List.copyOf(listeners);
        this.phaseTwoListeners = List.copyOf(phaseTwoListeners);
        this.phaseOneFrom = phaseOneFrom;
        if (pass == null) {
            throw new IllegalArgumentException("pass: null (ImagePass.LOCAL runs the passes over all images here)");
        }
        this.pass = pass;
    }

    /** CoFT or CoFT+ ({@code method}) with its default config. */
    public static CoftTrainer of(Method method, long seed) {
        return new CoftTrainer(method, CoftConfig.defaults(method), seed, 2, List.of(new DivergenceGuard()),
                List.of(new DivergenceGuard()), null, ImagePass.LOCAL);
    }

    /** CoFT with its default config. */
    public static CoftTrainer coft(long seed) {
        return new CoftTrainer(Method.COFT, CoftConfig.coft(), seed, 2, List.of(new DivergenceGuard()),
                List.of(new DivergenceGuard()), null, ImagePass.LOCAL);
    }

    /** CoFT+ with its default config (give class descriptions with {@code CoftConfig.plus().withPrompts(file)}). */
    public static CoftTrainer coftPlus(long seed) {
        return new CoftTrainer(Method.COFT_PLUS, CoftConfig.plus(), seed, 2, List.of(new DivergenceGuard()),
                List.of(new DivergenceGuard()), null, ImagePass.LOCAL);
    }

    /** This trainer with another config. */
    public CoftTrainer withConfig(CoftConfig c) {
        return new CoftTrainer(method, c, seed, threads, listeners, phaseTwoListeners, phaseOneFrom, pass);
    }

    /** This trainer with image-decoding threads {@code n} (default 2). */
    public CoftTrainer withThreads(int n) {
        return new CoftTrainer(method, config, seed, n, listeners, phaseTwoListeners, phaseOneFrom, pass);
    }

    /**
     * This trainer with these listeners on every model's training (Phase I and II) and every pass over the images
     * (default: a divergence guard).
     */
    public CoftTrainer withListeners(List<? extends TrainingListener> l) {
        return new CoftTrainer(method, config, seed, threads, new ArrayList<>(l), new ArrayList<>(l), phaseOneFrom, pass);
    }

    /** This trainer with {@code phaseOne} on Phase I (seeds, models A and B, scoring), {@code phaseTwo} on Phase II. */
    public CoftTrainer withListeners(List<? extends TrainingListener> phaseOne,
                                     List<? extends TrainingListener> phaseTwo) {
        return new CoftTrainer(method, config, seed, threads, new ArrayList<>(phaseOne), new ArrayList<>(phaseTwo),
                phaseOneFrom, pass);
    }

    /**
     * This trainer adopting the round-1 Phase I of the finished run in {@code run} instead of training it (allowed only
     * for the same seed, Phase I settings, base model, classes and data; for Phase II ablations); null: train it.
     */
    public CoftTrainer withPhaseOneFrom(Path run) {
        return new CoftTrainer(method, config, seed, threads, listeners, phaseTwoListeners, run, pass);
    }

    /**
     * This trainer with the passes over all images (image features, Phase I scores, classifier predictions) run by
     * {@code p} (default {@link ImagePass#LOCAL}; e.g. {@code org.coft.dl4j.spark.SparkPass}). Training stays here.
     */
    public CoftTrainer withPass(ImagePass p) {
        return new CoftTrainer(method, config, seed, threads, listeners, phaseTwoListeners, phaseOneFrom, p);
    }

    public Method method() {
        return method;
    }

    public CoftConfig config() {
        return config;
    }

    public long seed() {
        return seed;
    }

    /**
     * Adapts the CLIP model in {@code modelDir} to {@code images} without labels and returns the classifier.
     *
     * @param data       how the images were given (recorded in the run's provenance; e.g. the folder)
     * @param classNames the task's class names
     * @param runFolder  where the run's files go; an earlier run of the same settings there is resumed, another is
     *                   refused naming the differing field
     */
    public AdaptedClassifier fit(Path modelDir, UnlabeledImages images, String data, List<String> classNames,
                                 Path runFolder) throws IOException {
        run(new Adaptation.BaseModel(modelDir, false), images, data, classNames, runFolder);
        return AdaptedClassifier.open(runFolder);
    }

    /**
     * The stages of {@link #fit} without opening the classifier afterwards (what {@code coft adapt} calls): writes the
     * run folder and returns every stage's result.
     *
     * @param base the base model and whether it is the command's embedded one (recorded in the provenance)
     */
    public CoftPipeline.Result run(Adaptation.BaseModel base, UnlabeledImages images, String data,
                                   List<String> classNames, Path runFolder) throws IOException {
        Adaptation.checkInputs(classNames, images);
        ClipBackbone backbone;
        try {
            backbone = ClipBackbone.load(base.dir(), config.phase1(), classNames);
        } catch (org.coft.clip.model.ClipModelException e) {
            throw new IOException(e.getMessage(), e);
        }
        return Adaptation.adaptCoft(method, base, backbone, images, data, classNames, config, seed, runFolder,
                new PhaseOne.Options(threads, 256, listeners).withPass(pass), phaseTwoListeners, phaseOneFrom);
    }
}
