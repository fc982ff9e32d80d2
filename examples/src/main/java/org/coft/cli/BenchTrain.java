package org.coft.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.clip.model.ClipModel;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.DualPromptModel;
import org.coft.dl4j.phase1.PhaseOneConfig;
import org.coft.dl4j.phase1.VisualModule;
import org.coft.dl4j.phase2.FineTuneNetwork;
import org.coft.dl4j.train.AdamSteps;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code coft bench --train}: one training step of each CoFT phase on random data, after warm-up, exactly as the
 * trainers take it — (a) Phase II: the whole image tower (trainable copy) + linear head, weighted cross-entropy,
 * backward, Adam update ({@link FineTuneNetwork}, {@link AdamSteps}); (b) Phase I: the dual-prompt model with the
 * chosen visual module ({@link DualPromptModel}: positive and negative contexts through the frozen text tower, visual
 * prompts in the frozen image tower or cached features, L1 + λ·L2, Adam). Prints per step ms, images/s, the forward
 * and backward op counts and the peak RSS; the last line is {@code train-step images/s=<float>} for (a).
 * Numbers only; nothing asserts a speed.
 */
final class BenchTrain {
    /** Ten real class names, so that prompts tokenize as in a task (their count sets the text batch). */
    static final List<String> CLASSES = List.of("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
            "sneaker", "bag", "ankle boot");

    private BenchTrain() {
    }

    /**
     * Runs both steps; returns Phase II images per second.
     *
     * @param profileTop when positive, after timing, the Phase II step's plan is run once more op by op and its this
     *                   many costliest ops are printed
     */
    static double run(PrintWriter out, Path model, int batch, int iters, int warmup, VisualModule visual, long seed,
                      int profileTop) throws Exception {
        Nd4j.getRandom().setSeed(seed);
        ClipModel clip = ClipModel.load(model);
        int h = clip.preprocess().outputHeight();
        int w = clip.preprocess().outputWidth();
        INDArray pixels = Nd4j.randn(DataType.FLOAT, batch, 3, h, w);
        int c = CLASSES.size();
        INDArray labels = oneHot(batch, c, 0);
        INDArray complement = oneHot(batch, c, 1);
        INDArray weights = Nd4j.ones(DataType.FLOAT, batch);

        // (a) Phase II
        int embed = (int) clip.encodeImages(pixels.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1))).size(1);
        INDArray head = Nd4j.randn(DataType.FLOAT, c, embed);
        head.diviColumnVector(head.norm2(1).reshape(c, 1));
        FineTuneNetwork net = FineTuneNetwork.create(clip, head, 0, 0.07);
        AdamSteps adam2 = AdamSteps.fresh(1e-4, 1_000_000, net.parameters());
        int[] step2 = {0};
        Runnable phase2 = () -> {
            FineTuneNetwork.Step st = net.gradients(pixels, labels, weights, null, null);
            adam2.apply(st.gradients(), 0.0, step2[0]++, 0);
        };
        long trainable = net.parameters().values().stream().mapToLong(INDArray::length).sum();
        out.printf("phase II network: %d trainable parameters (image tower and head)%n", trainable);
        double[] t2 = time(phase2, warmup, iters);
        long rss2 = BenchNative.peakRssBytes();
        print(out, "phase II step (image tower + head, weighted CE, backward, Adam)", batch, t2, net.sameDiff(), rss2);
        if (profileTop > 0) {
            long p0 = System.nanoTime();
            java.util.Map<String, double[]> prof = net.profileLastStep(true);
            BenchProfile.print(out, String.format(java.util.Locale.ROOT, "profile, phase II step (forward, loss and "
                    + "backward; not the Adam update): batch %d", batch), BenchProfile.fromPlan(prof,
                    (System.nanoTime() - p0) / 1e9), profileTop);
            out.println();
        }

        // (b) Phase I
        PhaseOneConfig cfg = PhaseOneConfig.defaults().withVisual(visual);
        ClipBackbone backbone = ClipBackbone.load(model, cfg, CLASSES);
        DualPromptModel dual = DualPromptModel.create(backbone, CLASSES, cfg, seed);
        INDArray x = visual.needsPixels() ? pixels : Nd4j.randn(DataType.FLOAT, batch, backbone.embedDim());
        AdamSteps adam1 = AdamSteps.fresh(cfg.learningRate(), 1_000_000, dual.parameters());
        int[] step1 = {0};
        Runnable phase1 = () -> {
            DualPromptModel.Step st = dual.gradients(x, labels, complement);
            adam1.apply(st.gradients(), 0.0, step1[0]++, 0);
        };
        double[] t1 = time(phase1, warmup, iters);
        long rss1 = BenchNative.peakRssBytes();
        print(out, "phase I step (dual prompts, visual " + visual.name().toLowerCase().replace('_', '-') + ", L1 + λ·L2, Adam)",
                batch, t1, dual.sameDiff(), rss1);
        project(out, 10_000, CLASSES.size(), median(t2) / batch, median(t1) / batch, cfg,
                org.coft.dl4j.phase2.PhaseTwoConfig.defaults());
        double imagesPerSecond = batch / median(t2);
        out.printf("train-step images/s=%.3f%n", imagesPerSecond);
        out.flush();
        return imagesPerSecond;
    }

    /**
     * Share of the images whose pseudo label the collaborative filter keeps, for the projection: the mean kept share
     * of 34 runs on the 2,000-image tasks (0.71–0.90, label-free-check.json).
     */
    static final double KEPT_SHARE = 0.78;

    /**
     * Prints the wall time that {@code coft adapt --method coft} with the default schedules would take on {@code n}
     * images with this model, from the measured per-image step costs: Phase I trains two models for its epochs over
     * K seeds per class, then scores every image (a forward, about a third of a training step); the zero-shot pass is
     * one image-tower forward per image (a third of a Phase II step); Phase II trains one network (the union of the
     * clean sets) for its epochs over the kept share of the images. Data loading and checkpoints are not included.
     */
    static void project(PrintWriter out, int n, int classes, double phase2PerImage, double phase1PerImage,
                        PhaseOneConfig p1, org.coft.dl4j.phase2.PhaseTwoConfig p2) {
        double zeroShot = n * phase2PerImage / 3;
        double phase1 = 2.0 * p1.epochs() * p1.seedsPerClass() * classes * phase1PerImage + 2.0 * n * phase1PerImage / 3;
        double phase2 = p2.epochs() * KEPT_SHARE * n * phase2PerImage;
        out.printf("projected coft adapt --method coft on %,d images, %d classes, default schedules: %.1f min (zero-shot "
                        + "%.1f, Phase I %.1f, Phase II %.1f; %d Phase I epochs x 2 models x %d seeds/class, %d Phase II "
                        + "epochs over %.0f %% kept; from the steps above, without data loading)%n", n, classes,
                (zeroShot + phase1 + phase2) / 60, zeroShot / 60, phase1 / 60, phase2 / 60, p1.epochs(),
                p1.seedsPerClass(), p2.epochs(), KEPT_SHARE * 100);
    }

    private static INDArray oneHot(int batch, int c, int shift) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, c);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, (i + shift) % c, 1f);
        }
        return y;
    }

    /** Seconds of each timed step after {@code warmup} untimed ones (no collection is requested in between). */
    private static double[] time(Runnable step, int warmup, int iters) {
        for (int i = 0; i < warmup; i++) {
            step.run();
        }
        double[] t = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            step.run();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        return t;
    }

    static double median(double[] t) {
        double[] s = t.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void print(PrintWriter out, String what, int batch, double[] t, SameDiff sd, long rss) {
        SameDiff grad = sd.getFunction("grad");
        double med = median(t);
        List<String> all = new ArrayList<>();
        for (double v : t) {
            all.add(String.format("%.1f", v * 1e3));
        }
        double min = java.util.Arrays.stream(t).min().orElse(med);
        out.printf("%s, batch %d: median %.1f ms/step, min %.1f (%s), %.2f images/s; ops forward %d, backward %d; "
                        + "peak RSS %d MiB%n",
                what, batch, med * 1e3, min * 1e3, String.join(" ", all), batch / med, sd.ops().length,
                grad == null ? 0 : grad.ops().length, rss >> 20);
        out.flush();
    }

    static Map<String, String> names() {
        return Map.of("none", "NONE", "vpt-deep", "VPT_DEEP", "vpt-shallow", "VPT_SHALLOW", "adapter", "ADAPTER");
    }
}
