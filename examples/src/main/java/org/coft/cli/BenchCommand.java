package org.coft.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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

    @Option(names = "--model", required = true, description = "model directory (vision_model.onnx + text_model.onnx, or model.onnx)")
    Path model;

    @Option(names = "--batch", defaultValue = "32", description = "images / texts per forward (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--iters", defaultValue = "5", description = "timed forwards per tower and runtime (default: ${DEFAULT-VALUE})")
    int iters;

    @Option(names = "--warmup", defaultValue = "1", description = "untimed forwards before timing (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--threads", description = "intra-op threads for ND4J (OpenMP, BLAS) and ONNX Runtime "
            + "(default: the number of available processors)")
    Integer threads;

    @Option(names = "--tower", defaultValue = "both", description = "image, text or both (default: ${DEFAULT-VALUE})")
    String tower;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the random pixels (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--profile", description = "after timing, run one more forward of our towers with per-op timing "
            + "and print the top ops by time")
    boolean profile;

    @Option(names = "--top", defaultValue = "15", description = "ops listed by --profile (default: ${DEFAULT-VALUE})")
    int top;

    /** One tower's timings: seconds per forward, for both runtimes. */
    record Timing(String tower, String unit, double[] ours, double[] ort, double maxAbsDiff, double maxAbsRef) { }

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        boolean doImage = !tower.equals("text");
        boolean doText = !tower.equals("image");
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        BenchNative.Settings nativeSettings = BenchNative.applyThreads(n);

        long t0 = System.nanoTime();
        ClipModel clip = ClipModel.load(model);
        double loadOurs = secondsSince(t0);

        Nd4j.getRandom().setSeed(seed);
        int size = (int) clip.preprocess().outputHeight();
        int width = (int) clip.preprocess().outputWidth();
        INDArray pixels = Nd4j.randn(DataType.FLOAT, batch, 3, size, width);
        long[][] ids = clip.tokenize(prompts(batch));
        long[][] mask = clip.tokenizer().attentionMask(ids);

        // ours first, alone in the process, so that its peak RSS is ours only
        INDArray oursImage = null;
        INDArray oursText = null;
        double[] oursImageTimes = null;
        double[] oursTextTimes = null;
        if (doImage) {
            oursImage = clip.encodeImages(pixels);
            oursImageTimes = time(() -> clip.encodeImages(pixels));
        }
        if (doText) {
            oursText = clip.encodeTokenEmbeddings(clip.tokenEmbeddings(ids), ids);
            oursTextTimes = time(() -> clip.encodeTokenEmbeddings(clip.tokenEmbeddings(ids), ids));
        }
        long hwmOurs = BenchNative.peakRssBytes();

        List<Timing> timings = new ArrayList<>();
        double loadOrt;
        String ortVersion;
        List<Path> ortFiles = new ArrayList<>();
        t0 = System.nanoTime();
        try (BenchOrt ort = new BenchOrt(n)) {
            ortVersion = ort.version();
            if (doImage) {
                Path f = towerFile("vision_model.onnx");
                ortFiles.add(f);
                BenchOrt.Tower ti = ort.tower(f, clip.vision().output());
                loadOrt = secondsSince(t0);
                float[] flat = pixels.dup('c').data().asFloat();
                long[] shape = pixels.shape();
                float[] ref = ti.runImages(flat, shape);
                double[] times = time(() -> ti.runImages(flat, shape));
                timings.add(new Timing("image", "images/s", oursImageTimes, times, maxAbsDiff(oursImage, ref), maxAbs(ref)));
            } else {
                loadOrt = 0;
            }
            if (doText) {
                long t1 = System.nanoTime();
                Path f = towerFile("text_model.onnx");
                if (!ortFiles.contains(f)) {
                    ortFiles.add(f);
                }
                BenchOrt.Tower tt = ort.tower(f, clip.text().output());
                loadOrt += secondsSince(t1);
                float[] ref = tt.runTexts(ids, mask);
                double[] times = time(() -> tt.runTexts(ids, mask));
                timings.add(new Timing("text", "texts/s", oursTextTimes, times, maxAbsDiff(oursText, ref), maxAbs(ref)));
            }
        }
        long hwmAll = BenchNative.peakRssBytes();

        printReport(out, clip, nativeSettings, ortVersion, ortFiles, loadOurs, loadOrt, timings, hwmOurs, hwmAll);
        if (profile) {
            BenchProfile p = new BenchProfile();
            if (doImage) {
                printProfile(out, "image", p.profile(clip.vision(), () -> clip.encodeImages(pixels)));
            }
            if (doText) {
                printProfile(out, "text", p.profile(clip.text(),
                        () -> clip.encodeTokenEmbeddings(clip.tokenEmbeddings(ids), ids)));
            }
        }
        out.flush();
        return 0;
    }

    private void validate() {
        if (!tower.equals("image") && !tower.equals("text") && !tower.equals("both")) {
            throw new IllegalArgumentException("--tower " + tower + ": expected image, text or both");
        }
        if (batch < 1 || iters < 1 || warmup < 0) {
            throw new IllegalArgumentException("--batch " + batch + ", --iters " + iters + ", --warmup " + warmup
                    + ": batch and iters must be at least 1, warmup at least 0");
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads " + threads + ": expected at least 1");
        }
        if (top < 1) {
            throw new IllegalArgumentException("--top " + top + ": expected at least 1");
        }
    }

    private Path towerFile(String name) {
        Path f = model.resolve(name);
        if (Files.isRegularFile(f)) {
            return f;
        }
        Path whole = model.resolve("model.onnx");
        if (Files.isRegularFile(whole)) {
            return whole;
        }
        throw new IllegalArgumentException(model + " has neither " + name + " nor model.onnx");
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

    private double[] time(Forward f) throws Exception {
        for (int i = 0; i < warmup; i++) {
            f.run();
        }
        double[] s = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t = System.nanoTime();
            f.run();
            s[i] = secondsSince(t);
        }
        return s;
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    private static double maxAbsDiff(INDArray ours, float[] ref) {
        float[] a = ours.castTo(DataType.FLOAT).dup('c').data().asFloat();
        if (a.length != ref.length) {
            throw new IllegalStateException("our output has " + a.length + " values, ONNX Runtime's " + ref.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - ref[i]));
        }
        return m;
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
                             long hwmOurs, long hwmAll) {
        out.println("coft bench: " + model.toAbsolutePath());
        out.printf(Locale.ROOT, "settings: --batch %d --iters %d --warmup %d --threads %d --tower %s --seed %d; "
                        + "image %dx%d, text context %d%n", batch, iters, warmup, ns.requested(), tower, seed,
                clip.preprocess().outputHeight(), clip.preprocess().outputWidth(), clip.contextLength());
        out.println("threads: ND4J " + ns.describe() + "; ONNX Runtime intra-op " + ns.requested() + ", inter-op 1");
        out.println("ND4J native build: " + BenchNative.describeBuild());
        out.println("ONNX Runtime " + ortVersion + " (CPU, all graph optimizations) on "
                + ortFiles.stream().map(p -> p.getFileName().toString()).toList());
        out.printf(Locale.ROOT, "load: ours %.1f s (both towers), ONNX Runtime %.1f s%n", loadOurs, loadOrt);
        out.println();
        out.printf(Locale.ROOT, "%-6s %-5s %12s %12s %14s%n", "tower", "run", "median s", "min s", "throughput");
        for (Timing t : timings) {
            row(out, t.tower(), "ours", t.ours(), t.unit());
            row(out, t.tower(), "ORT", t.ort(), t.unit());
        }
        out.println();
        for (Timing t : timings) {
            double ratio = median(t.ort()) / median(t.ours());
            out.printf(Locale.ROOT, "%s: ours/ORT throughput ratio %.2f; max abs diff %.3g (max |ORT output| %.3g)%n",
                    t.tower(), ratio, t.maxAbsDiff(), t.maxAbsRef());
        }
        out.printf(Locale.ROOT, "peak RSS (VmHWM): %d MiB after ours (model load + our forwards), %d MiB at the end "
                + "(ours + ONNX Runtime in one process)%n", hwmOurs >> 20, hwmAll >> 20);
    }

    private void row(PrintWriter out, String towerName, String run, double[] s, String unit) {
        out.printf(Locale.ROOT, "%-6s %-5s %12.3f %12.3f %9.2f %s%n", towerName, run, median(s),
                Arrays.stream(s).min().orElse(Double.NaN), batch / median(s), unit);
    }

    private void printProfile(PrintWriter out, String name, BenchProfile.Result r) {
        out.println();
        out.printf(Locale.ROOT, "profile, our %s tower (one forward at batch %d, %d ops, %.3f s in ops, %.3f s wall):%n",
                name, batch, r.opCount(), r.opSeconds(), r.wallSeconds());
        out.printf(Locale.ROOT, "  %-24s %6s %10s %7s%n", "op", "calls", "seconds", "share");
        for (BenchProfile.Entry e : r.byOp().subList(0, Math.min(top, r.byOp().size()))) {
            out.printf(Locale.ROOT, "  %-24s %6d %10.4f %6.1f%%%n", e.op(), e.calls(), e.seconds(),
                    100 * e.seconds() / r.opSeconds());
        }
        out.printf(Locale.ROOT, "  by op and output shape:%n");
        for (BenchProfile.Entry e : r.byOpAndShape().subList(0, Math.min(top, r.byOpAndShape().size()))) {
            out.printf(Locale.ROOT, "  %-24s %6d %10.4f %6.1f%%  %s%n", e.op(), e.calls(), e.seconds(),
                    100 * e.seconds() / r.opSeconds(), e.shape());
        }
    }
}
