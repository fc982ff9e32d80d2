package org.coft.dl4j.phase2;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.clip.exec.PlanCache;
import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.source.UnlabeledImages;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The classifier CoFT outputs: one or more fine-tuned image towers with their linear heads, each a SameDiff graph
 * file (FlatBuffers, {@link SameDiff#save}), plus the preprocessing and the class names. It needs neither the text
 * tower nor the base model's files. With several graphs (one per clean set) the prediction is the mean of their
 * softmax probabilities.
 *
 * <p>Thread-safe: {@link #probabilities} and {@link #predict} may be called from any number of threads (a server).
 * SameDiff 1.0.0-M2.1 keeps one inference session per calling thread in each graph — a pool of request threads
 * would grow one session per thread, and on a JVM's main thread a session is rebuilt on every call (≈ 10× slower on
 * the micro-CLIP) — and its op instances are shared between sessions. So the graphs run only on this classifier's
 * own worker threads, each with its own copy of the graphs ({@link SameDiff#dup()}, made at load): calls are queued
 * to them and block until done; {@code workers} bounds the parallelism and the memory (one copy per worker).
 * {@link #close()} stops the workers. Each copy runs as static plans ({@link PlanCache}; one caller at a time, which
 * the workers guarantee), or through SameDiff's session with {@code -Dcoft.exec=samediff}.
 */
public final class Classifier implements AutoCloseable {
    private final List<List<SameDiff>> replicas;
    private final java.util.concurrent.ConcurrentLinkedQueue<List<SameDiff>> free;
    private final ThreadLocal<List<SameDiff>> own;
    private final java.util.concurrent.ExecutorService workers;
    private final List<String> pixelInputs;
    private final PreprocessConfig preprocess;
    private final List<String> classes;
    private volatile boolean closed;
    /** Output-prior offsets ({@link org.coft.dl4j.phase1.OutputPrior}), or null for none. */
    private volatile double[] outputBias;
    /** The graph files it was loaded from (what a remote worker loads: {@link ClassifierModel}). */
    private final List<Path> files;
    /** Static plans of each graph copy (each copy is used by one worker at a time). */
    private final Map<SameDiff, PlanCache> plans = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    private Classifier(List<Path> files, List<SameDiff> graphs, List<String> pixelInputs, PreprocessConfig preprocess,
                       List<String> classes, int workers) {
        this.files = List.copyOf(files);
        List<List<SameDiff>> r = new ArrayList<>();
        r.add(List.copyOf(graphs));
        for (int i = 1; i < workers; i++) {
            r.add(graphs.stream().map(SameDiff::dup).toList());
        }
        this.replicas = List.copyOf(r);
        this.free = new java.util.concurrent.ConcurrentLinkedQueue<>(replicas);
        this.own = ThreadLocal.withInitial(free::poll);
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        this.workers = java.util.concurrent.Executors.newFixedThreadPool(workers, task -> {
            Thread t = new Thread(task, "coft-classifier-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.pixelInputs = pixelInputs;
        this.preprocess = preprocess;
        this.classes = List.copyOf(classes);
    }

    /** Writes a network's graph and weights (atomically: a temporary file, then a rename). */
    public static void save(FineTuneNetwork net, Path file) throws IOException {
        save(net, file, org.coft.dl4j.run.RunFolder.untracked());
    }

    /** As {@link #save(FineTuneNetwork, Path)}, its SHA-256 recorded in {@code files}. */
    public static void save(FineTuneNetwork net, Path file, org.coft.dl4j.run.RunFolder files) throws IOException {
        files.writeFile(file, org.coft.dl4j.run.RunFolder.Kind.MODEL, "classifier graph",
                tmp -> net.sameDiff().save(tmp.toFile(), false));
    }

    /**
     * Loads classifier graphs.
     *
     * @throws IOException naming a file that is missing or is not a classifier graph
     */
    public static Classifier load(List<Path> files, PreprocessConfig preprocess, List<String> classes)
            throws IOException {
        return load(files, preprocess, classes, 1);
    }

    /**
     * Loads classifier graphs to serve from {@code workers} threads at once (each holds its own copy of the graphs).
     *
     * @throws IOException naming a file that is missing or is not a classifier graph
     */
    public static Classifier load(List<Path> files, PreprocessConfig preprocess, List<String> classes, int workers)
            throws IOException {
        if (workers < 1 || workers > 256) {
            throw new IllegalArgumentException("workers: " + workers + " (allowed 1..256)");
        }
        if (files.isEmpty()) {
            throw new IOException("no classifier graphs given");
        }
        List<SameDiff> graphs = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new IOException("classifier graph " + f + " does not exist");
            }
            SameDiff sd;
            try {
                sd = SameDiff.load(f.toFile(), false);
            } catch (RuntimeException e) {
                throw new IOException("cannot read classifier graph " + f + ": " + e.getMessage(), e);
            }
            if (!sd.hasVariable(FineTuneNetwork.LOGITS)) {
                throw new IOException(f + " is not a CoFT classifier graph (no '" + FineTuneNetwork.LOGITS + "' output)");
            }
            String pixels = null;
            for (String in : sd.inputs()) {
                SDVariable v = sd.getVariable(in);
                if (v.getShape() != null && v.getShape().length == 4) {
                    pixels = in;
                }
            }
            if (pixels == null) {
                throw new IOException(f + " has no image input [batch, 3, H, W]; inputs are " + sd.inputs());
            }
            long c = sd.getVariable(FineTuneNetwork.HEAD_B).getArr().length();
            if (c != classes.size()) {
                throw new IOException(f + " classifies " + c + " classes, but " + classes.size() + " class names "
                        + "were given");
            }
            graphs.add(sd);
            inputs.add(pixels);
        }
        return new Classifier(files, graphs, inputs, preprocess, classes, workers);
    }

    public PreprocessConfig preprocess() {
        return preprocess;
    }

    public List<String> classes() {
        return classes;
    }

    public int graphs() {
        return replicas.get(0).size();
    }

    /** How many worker threads (and copies of the graphs) serve the calls. */
    public int workers() {
        return replicas.size();
    }

    /** Class probabilities [batch, C] of preprocessed pixels (thread-safe; runs on a worker thread). */
    public INDArray probabilities(INDArray pixels) {
        if (closed) {
            throw new IllegalStateException("this classifier is closed");
        }
        java.util.concurrent.Future<INDArray> f;
        try {
            f = workers.submit(() -> probabilities(own.get(), pixels));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("this classifier is closed", e);
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a prediction", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("prediction failed: " + e.getCause(), e.getCause());
        }
    }

    private INDArray probabilities(List<SameDiff> graphs, INDArray pixels) {
        if (graphs == null) {
            throw new IllegalStateException("a classifier worker thread has no graphs (a worker died and was replaced)");
        }
        INDArray sum = null;
        for (int i = 0; i < graphs.size(); i++) {
            SameDiff g = graphs.get(i);
            Map<String, INDArray> in = Map.of(pixelInputs.get(i), pixels);
            INDArray logits = plans.computeIfAbsent(g, k -> new PlanCache(k, List.of(FineTuneNetwork.LOGITS), 2))
                    .output(in).get(FineTuneNetwork.LOGITS);
            INDArray p = Transforms.softmax(logits.castTo(DataType.DOUBLE), true);
            sum = sum == null ? p : sum.addi(p);
        }
        return org.coft.dl4j.phase1.OutputPrior.apply(sum.divi(graphs.size()), outputBias);
    }

    /**
     * Applies output-prior offsets to every probability this classifier gives from now on ({@code normalize(p ⊙
     * exp(b))}, see {@link org.coft.dl4j.phase1.OutputPrior}); null for none. Set it before sharing the classifier.
     *
     * @return this classifier
     */
    public Classifier withOutputBias(double[] bias) {
        if (bias != null && bias.length != classes.size()) {
            throw new IllegalArgumentException("output prior: " + bias.length + " offsets for " + classes.size()
                    + " classes");
        }
        this.outputBias = bias == null ? null : bias.clone();
        return this;
    }

    /** SameDiff inference sessions held by all copies of the graphs (at most one per worker and graph). */
    int sessions() {
        int n = 0;
        for (List<SameDiff> r : replicas) {
            for (SameDiff sd : r) {
                n += sd.getSessions().size();
            }
        }
        return n;
    }

    /** Stops the worker threads; later calls fail with {@link IllegalStateException}. */
    @Override
    public void close() {
        closed = true;
        workers.shutdownNow();
        synchronized (plans) {
            plans.values().forEach(PlanCache::close);
            plans.clear();
        }
    }

    /** The task name {@link #predict(UnlabeledImages, int, int, List)} reports its progress under. */
    public static final String PROGRESS_TASK = "classifying images";

    /** Probabilities of every image, in the images' order, and their ids. */
    public record Predictions(List<String> ids, INDArray probabilities) { }

    /** Classifies images (unreadable ones are skipped or fail per the source's policy). */
    public Predictions predict(UnlabeledImages images, int batch, int threads) {
        return predict(images, batch, threads, List.of());
    }

    /**
     * As {@link #predict(UnlabeledImages, int, int)}, reporting each batch to the listeners'
     * {@link org.coft.dl4j.train.TrainingListener#onProgress} as task {@value #PROGRESS_TASK}.
     */
    public Predictions predict(UnlabeledImages images, int batch, int threads,
                               List<? extends org.coft.dl4j.train.TrainingListener> listeners) {
        return predict(images, batch, threads, listeners, org.coft.dl4j.pass.ImagePass.LOCAL);
    }

    /**
     * As {@link #predict(UnlabeledImages, int, int, List)}, the pass run by {@code pass} (a remote one loads the same
     * graph files and output prior).
     *
     * @throws IllegalArgumentException when no image could be read
     */
    public Predictions predict(UnlabeledImages images, int batch, int threads,
                               List<? extends org.coft.dl4j.train.TrainingListener> listeners,
                               org.coft.dl4j.pass.ImagePass pass) {
        org.coft.dl4j.pass.PassFunction fn = org.coft.dl4j.pass.PassFunction.of("classifier " + files,
                px -> new INDArray[] {probabilities(px)}, new ClassifierModel(files.stream()
                        .map(f -> f.toAbsolutePath().toString()).toList(), preprocess.toJson(), classes, outputBias));
        try {
            var r = pass.run(images, preprocess, batch, threads, fn, listeners, PROGRESS_TASK);
            return new Predictions(r.ids(), r.output(0));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
