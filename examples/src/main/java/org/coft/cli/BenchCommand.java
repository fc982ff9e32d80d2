package org.coft.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.coft.clip.model.ClipModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code coft bench}: forward throughput of our imported CLIP towers next to ONNX Runtime's on the same ONNX
 * files, the same inputs and the same thread count, with the outputs' agreement, the ND4J native build in use
 * and the process's peak resident memory. Numbers only; nothing here asserts a speed.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time image/text tower forwards of our import against ONNX Runtime on the same model files "
                + "and inputs; prints throughput, the ratio ours/ORT, agreement, native build and peak RSS.")
final class BenchCommand implements Callable<Integer> {
    /** Prompts tokenized for the text-tower input (real text, so the end-of-text positions vary). */
    private static final List<String> PROMPTS = List.of(
            "a photo of a dog.", "a photo of a cat.", "a blurry photo of a red car.", "a drawing of a house.",
            "a close-up photo of a small bird sitting on a branch.", "an origami airplane.",
            "a black and white photo of the ocean at night.", "a photo of a t-shirt.",
            "a sketch of an old bicycle leaning against a wall.", "a photo of a sneaker.",
            "a low resolution photo of a bag.", "a bright photo of the number seven.");

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "model directory: ONNX (vision_model.onnx + "
            + "text_model.onnx, or model.onnx) or TensorFlow (SavedModel or frozen model.pb)")
    Path model;

    @Option(names = "--peer", description = "ONNX model directory with the same weights for ONNX Runtime's side, for a "
            + "--model that has no ONNX files (a TensorFlow model); outputs are then compared after L2-normalising "
            + "each row, since the formats may differ in whether the embeddings are normalised (default: --model)")
    Path peer;

    @Option(names = "--batch", defaultValue = "32", description = "images / texts per forward (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--iters", defaultValue = "5", description = "timed forwards per tower and runtime (default: ${DEFAULT-VALUE})")
    int iters;

    @Option(names = "--warmup", defaultValue = "1", description = "untimed forwards before timing (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--threads", description = "intra-op threads for ND4J (OpenMP, BLAS) and ONNX Runtime "
            + "(default: the number of available processors)")
    Integer threads;

    @Option(names = "--blas-threads", description = "threads of ND4J's BLAS (OpenBLAS) when they should differ from "
            + "--threads, e.g. 1 with a oneDNN build whose GEMMs run in OpenMP threads (default: --threads)")
    Integer blasThreads;

    @Option(names = "--tower", defaultValue = "both", description = "image, text or both (default: ${DEFAULT-VALUE})")
    String tower;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the random pixels (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--profile", description = "after timing, run one more forward of our towers (with --train: one more "
            + "Phase II step, forward, loss and backward) with per-op timing "
            + "and print the top ops by time")
    boolean profile;

    @Option(names = "--train", description = "time one training step of Phase II (image tower + head + Adam) and of "
            + "Phase I (dual prompts with --visual) instead of the tower forwards; last line train-step images/s=<float>")
    boolean train;

    @Option(names = "--visual", defaultValue = "vpt-deep", description = "Phase I visual module for --train: none, "
            + "vpt-deep, vpt-shallow or adapter (default: ${DEFAULT-VALUE})")
    String visual;

    @Option(names = "--top", defaultValue = "15", description = "ops listed by --profile (default: ${DEFAULT-VALUE})")
    int top;

    /** One tower's samples for both runtimes (ours timed first, then ONNX Runtime's, in one process). */
    record Timing(String tower, String unit, List<Sample> ours, List<Sample> ort, double maxAbsDiff, double maxAbsRef) { }

    /**
     * One timed forward: wall seconds, CPU seconds of this process, and CPU seconds the rest of the machine used
     * meanwhile (from /proc; {@code NaN} where unavailable) — the last says how contended the number is.
     */
    record Sample(double wall, double cpu, double others) { }

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        boolean doImage = !tower.equals("text");
        boolean doText = !tower.equals("image");
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        BenchNative.Settings nativeSettings = BenchNative.applyThreads(n, blasThreads != null ? blasThreads : n);
        if (train) {
            out.println("native build: " + BenchNative.describeBuild() + "; threads " + nativeSettings.describe());
            BenchTrain.run(out, model, batch, iters, warmup,
                    org.coft.dl4j.phase1.VisualModule.valueOf(BenchTrain.names().get(visual)), seed, profile ? top : 0);
            return 0;
        }

        long t0 = System.nanoTime();
        ClipModel clip = ClipModel.load(model);
        double loadOurs = secondsSince(t0);
        long hwmLoad = BenchNative.peakRssBytes();

        Nd4j.getRandom().setSeed(seed);
        INDArray pixels = Nd4j.randn(DataType.FLOAT, batch, 3, clip.preprocess().outputHeight(),
                clip.preprocess().outputWidth());
        long[][] ids = clip.tokenize(prompts(batch));
        long[][] mask = clip.tokenizer().attentionMask(ids);
        Forward oursImage = () -> clip.encodeImages(pixels);
        Forward oursText = () -> clip.encodeTokenEmbeddings(clip.tokenEmbeddings(ids), ids);

        // ours first and alone: ONNX Runtime's idle workers spin after each run and would take CPU from our
        // forwards if the two were interleaved (and OpenBLAS's from ORT's); the first peak RSS is ours only
        INDArray imageOut = doImage ? clip.encodeImages(pixels) : null;
        INDArray textOut = doText ? (INDArray) oursText.run() : null;
        warm(doImage ? oursImage : null, doText ? oursText : null);
        List<Sample> oi = new ArrayList<>();
        List<Sample> ot = new ArrayList<>();
        timeLoop(doImage ? oursImage : null, oi, doText ? oursText : null, ot);
        long hwmOurs = BenchNative.peakRssBytes();

        List<Timing> timings = new ArrayList<>();
        List<Path> ortFiles = new ArrayList<>();
        Path ortDir = peer != null ? peer : model;
        if (peer == null && !ClipModel.hasOnnxTowers(model)) {
            // a TensorFlow model without an ONNX peer: our side alone, said so, nothing compared
            if (doImage) {
                timings.add(new Timing("image", "images/s", oi, null, Double.NaN, Double.NaN));
            }
            if (doText) {
                timings.add(new Timing("text", "texts/s", ot, null, Double.NaN, Double.NaN));
            }
            printReport(out, clip, nativeSettings, null, ortFiles, loadOurs, Double.NaN, timings, hwmLoad, hwmOurs,
                    hwmOurs);
            profile(out, clip, doImage ? oursImage : null, doText ? oursText : null);
            out.flush();
            return 0;
        }
        String ortVersion;
        double loadOrt;
        t0 = System.nanoTime();
        try (BenchOrt ort = new BenchOrt(n)) {
            ortVersion = ort.version();
            BenchOrt.Tower ti = null;
            BenchOrt.Tower tt = null;
            if (doImage) {
                ortFiles.add(towerFile(ortDir, "vision_model.onnx"));
                ti = ort.tower(ortFiles.get(ortFiles.size() - 1), outputs(clip.vision().output(),
                        ClipModel.IMAGE_OUTPUTS));
            }
            if (doText) {
                Path f = towerFile(ortDir, "text_model.onnx");
                if (!ortFiles.contains(f)) {
                    ortFiles.add(f);
                }
                tt = ort.tower(f, outputs(clip.text().output(), ClipModel.TEXT_OUTPUTS));
            }
            loadOrt = secondsSince(t0);
            float[] flat = pixels.dup('c').data().asFloat();
            long[] shape = pixels.shape();
            BenchOrt.Tower image = ti;
            BenchOrt.Tower text = tt;
            Forward ortImage = () -> image.runImages(flat, shape);
            Forward ortText = () -> text.runTexts(ids, mask);
            float[] imageRef = doImage ? image.runImages(flat, shape) : null;
            float[] textRef = doText ? text.runTexts(ids, mask) : null;
            warm(doImage ? ortImage : null, doText ? ortText : null);

            List<Sample> ri = new ArrayList<>();
            List<Sample> rt = new ArrayList<>();
            timeLoop(doImage ? ortImage : null, ri, doText ? ortText : null, rt);
            boolean rows = peer != null;
            if (doImage) {
                timings.add(new Timing("image", "images/s", oi, ri, maxAbsDiff(imageOut, imageRef, rows),
                        maxAbs(rows ? normaliseRows(imageRef, imageOut.size(0)) : imageRef)));
            }
            if (doText) {
                timings.add(new Timing("text", "texts/s", ot, rt, maxAbsDiff(textOut, textRef, rows),
                        maxAbs(rows ? normaliseRows(textRef, textOut.size(0)) : textRef)));
            }
        }
        long hwmAll = BenchNative.peakRssBytes();

        printReport(out, clip, nativeSettings, ortVersion, ortFiles, loadOurs, loadOrt, timings, hwmLoad, hwmOurs, hwmAll);
        profile(out, clip, doImage ? oursImage : null, doText ? oursText : null);
        out.flush();
        return 0;
    }

    private void profile(PrintWriter out, ClipModel clip, Forward image, Forward text) throws Exception {
        if (profile) {
            BenchProfile p = new BenchProfile();
            if (image != null) {
                printProfile(out, "image", p.profile(clip.vision(), image));
            }
            if (text != null) {
                printProfile(out, "text", p.profile(clip.text(), text));
            }
        }
    }

    /** The output ONNX Runtime fetches: our tower's own output name first, then the usual CLIP names. */
    private static List<String> outputs(String ours, List<String> usual) {
        List<String> names = new ArrayList<>(List.of(ours));
        usual.stream().filter(n -> !n.equals(ours)).forEach(names::add);
        return names;
    }

    private void validate() {
        if (!tower.equals("image") && !tower.equals("text") && !tower.equals("both")) {
            throw new IllegalArgumentException("--tower " + tower + ": expected image, text or both");
        }
        if (batch < 1 || iters < 1 || warmup < 0) {
            throw new IllegalArgumentException("--batch " + batch + ", --iters " + iters + ", --warmup " + warmup
                    + ": batch and iters must be at least 1, warmup at least 0");
        }
        if (threads != null && threads < 1 || blasThreads != null && blasThreads < 1) {
            throw new IllegalArgumentException("--threads " + threads + ", --blas-threads " + blasThreads
                    + ": expected at least 1");
        }
        if (!BenchTrain.names().containsKey(visual)) {
            throw new IllegalArgumentException("--visual " + visual + ": expected one of "
                    + new java.util.TreeSet<>(BenchTrain.names().keySet()));
        }
        if (top < 1) {
            throw new IllegalArgumentException("--top " + top + ": expected at least 1");
        }
        if (peer != null && !ClipModel.hasOnnxTowers(peer)) {
            throw new IllegalArgumentException("--peer " + peer + ": expected an ONNX model directory (text_model.onnx "
                    + "+ vision_model.onnx, or model.onnx)");
        }
    }

    private static Path towerFile(Path dir, String name) {
        Path f = dir.resolve(name);
        if (Files.isRegularFile(f)) {
            return f;
        }
        Path whole = dir.resolve("model.onnx");
        if (Files.isRegularFile(whole)) {
            return whole;
        }
        throw new IllegalArgumentException(dir + " has neither " + name + " nor model.onnx");
    }

    static List<String> prompts(int n) {
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            texts.add(PROMPTS.get(i % PROMPTS.size()));
        }
        return texts;
    }

    /** A forward to time; checked exceptions pass through. */
    interface Forward {
        Object run() throws Exception;
    }

    private void warm(Forward image, Forward text) throws Exception {
        for (int i = 0; i < warmup; i++) {
            if (image != null) {
                image.run();
            }
            if (text != null) {
                text.run();
            }
        }
    }

    private void timeLoop(Forward image, List<Sample> imageSamples, Forward text, List<Sample> textSamples)
            throws Exception {
        for (int i = 0; i < iters; i++) {
            if (image != null) {
                imageSamples.add(sample(image));
            }
            if (text != null) {
                textSamples.add(sample(text));
            }
        }
    }

    private static Sample sample(Forward f) throws Exception {
        BenchNative.Cpu before = BenchNative.cpu();
        long t = System.nanoTime();
        f.run();
        double wall = secondsSince(t);
        BenchNative.Cpu after = BenchNative.cpu();
        double self = after.process() - before.process();
        return new Sample(wall, self, after.machine() - before.machine() - self);
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static double median(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> f) {
        double[] s = samples.stream().mapToDouble(f).sorted().toArray();
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    private static double maxAbsDiff(INDArray ours, float[] ref, boolean rows) {
        float[] a = ours.castTo(DataType.FLOAT).dup('c').data().asFloat();
        if (a.length != ref.length) {
            throw new IllegalStateException("our output has " + a.length + " values, ONNX Runtime's " + ref.length);
        }
        if (rows) {
            a = normaliseRows(a, ours.size(0));
            ref = normaliseRows(ref, ours.size(0));
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - ref[i]));
        }
        return m;
    }

    /** Each of {@code n} rows scaled to unit L2 norm (a copy). */
    static float[] normaliseRows(float[] v, long n) {
        float[] r = v.clone();
        int width = (int) (v.length / n);
        for (int i = 0; i < n; i++) {
            double ss = 0;
            for (int j = 0; j < width; j++) {
                ss += (double) v[i * width + j] * v[i * width + j];
            }
            double norm = Math.sqrt(ss);
            for (int j = 0; j < width; j++) {
                r[i * width + j] = (float) (norm == 0 ? 0 : v[i * width + j] / norm);
            }
        }
        return r;
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private void printReport(PrintWriter out, ClipModel clip, BenchNative.Settings ns, String ortVersion,
                             List<Path> ortFiles, double loadOurs, double loadOrt, List<Timing> timings,
                             long hwmLoad, long hwmOurs, long hwmAll) {
        out.println("coft bench: " + model.toAbsolutePath());
        out.printf(Locale.ROOT, "settings: --batch %d --iters %d --warmup %d --threads %d --blas-threads %d --tower %s "
                        + "--seed %d; image %dx%d, text context %d%n", batch, iters, warmup, ns.requested(),
                ns.blasThreads(), tower, seed, clip.preprocess().outputHeight(), clip.preprocess().outputWidth(),
                clip.contextLength());
        boolean ours = ortVersion == null;
        out.println("threads: ND4J " + ns.describe() + (ours ? "" : "; ONNX Runtime intra-op " + ns.requested()
                + ", inter-op 1"));
        out.println("ND4J native build: " + BenchNative.describeBuild());
        if (ours) {
            out.println("ONNX Runtime: not run (" + model + " has no ONNX files; --peer DIR names an ONNX model "
                    + "directory with the same weights to time and compare against)");
            out.printf(Locale.ROOT, "load: ours %.1f s (both towers)%n", loadOurs);
        } else {
            out.println("ONNX Runtime " + ortVersion + " (CPU, all graph optimizations) on "
                    + ortFiles.stream().map(p -> (peer != null ? p : p.getFileName()).toString()).toList());
            out.printf(Locale.ROOT, "load: ours %.1f s (both towers), ONNX Runtime %.1f s%n", loadOurs, loadOrt);
        }
        out.println();
        out.printf(Locale.ROOT, "%-6s %-5s %9s %9s %18s %9s %11s%n", "tower", "run", "median s", "min s",
                "throughput", "CPU s", "others' CPU");
        for (Timing t : timings) {
            row(out, t.tower(), "ours", t.ours(), t.unit());
            if (!ours) {
                row(out, t.tower(), "ORT", t.ort(), t.unit());
            }
        }
        out.println("(median of " + iters + " forwards" + (ours ? "" : "; ours timed first, then ORT's")
                + "; CPU s = this process's CPU time per forward; others' CPU = CPU seconds the rest of the machine "
                + "used meanwhile)");
        out.println();
        for (Timing t : timings) {
            if (ours) {
                continue;
            }
            double ratio = median(t.ort(), Sample::wall) / median(t.ours(), Sample::wall);
            out.printf(Locale.ROOT, "%s: ours/ORT throughput ratio %.2f; max abs diff %.3g (max |ORT output| %.3g)%s%n",
                    t.tower(), ratio, t.maxAbsDiff(), t.maxAbsRef(), peer != null
                            ? " after L2-normalising each row of both" : "");
        }
        if (ours) {
            out.printf(Locale.ROOT, "peak RSS (VmHWM): %d MiB after our model load, %d MiB after our forwards%n",
                    hwmLoad >> 20, hwmOurs >> 20);
        } else {
            out.printf(Locale.ROOT, "peak RSS (VmHWM): %d MiB after our model load, %d MiB after our forwards, %d MiB "
                    + "at the end (ours + ONNX Runtime in one process)%n", hwmLoad >> 20, hwmOurs >> 20, hwmAll >> 20);
        }
    }

    private void row(PrintWriter out, String towerName, String run, List<Sample> s, String unit) {
        double med = median(s, Sample::wall);
        out.printf(Locale.ROOT, "%-6s %-5s %9.3f %9.3f %9.2f %-8s %9.2f %11.2f%n", towerName, run, med,
                s.stream().mapToDouble(Sample::wall).min().orElse(Double.NaN), batch / med, unit,
                median(s, Sample::cpu), median(s, Sample::others));
    }

    private void printProfile(PrintWriter out, String name, BenchProfile.Result r) {
        BenchProfile.print(out, String.format(Locale.ROOT, "profile, our %s tower: one forward at batch %d", name, batch),
                r, top);
    }
}
