package org.coft.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.coft.clip.model.ClipModel;
import org.coft.dl4j.phase1.PhaseOneConfig;
import org.coft.dl4j.phase1.VisualModule;
import org.coft.clip.zeroshot.PromptTemplates;
import org.coft.datavec.BadInputPolicy;
import org.coft.cli.task.BenchmarkTask;
import org.coft.cli.task.DemoSample;
import org.coft.cli.task.TaskRegistry;
import org.coft.cli.task.TaskWriter;
import org.coft.datavec.source.ClassList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coft demo}: the main pipeline on embedded defaults. Load the embedded micro-CLIP through our ONNX importer,
 * write a labelled folder of real images — 400 {@code fashion-shift} images from the sample shipped in the jar
 * ({@link DemoSample}), or any balanced subset of the installed Fashion-MNIST — zero-shot classify it, adapt to the
 * same images without their labels (CoFT: Phase I with the feature adapter, filtering, Phase II) and evaluate each
 * stage.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the main pipeline (zero-shot, then label-free CoFT) on the embedded model and real images "
                + "shipped in the jar; ends with accuracy=<fraction>.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--work", description = "work folder (default: a new temporary folder)")
    Path work;

    @Option(names = "--per-class", defaultValue = "40", description = "images per class (default: ${DEFAULT-VALUE})")
    int perClass;

    @Option(names = "--no-phase1", negatable = false, description = "stop after zero-shot (skip label-free CoFT)")
    boolean noPhase1;

    @Option(names = "--no-phase2", negatable = false, description = "stop after CoFT Phase I (skip Phase II fine-tuning)")
    boolean noPhase2;

    @Option(names = "--data", defaultValue = "embedded", description = "embedded (the 400 real Fashion-MNIST test "
            + "images shipped in the jar, up to 40 per class) or fashion-shift (the installed Fashion-MNIST, any "
            + "--per-class); both under the fashion-shift rotation (default: ${DEFAULT-VALUE})")
    String dataKind;

    @Option(names = "--phase2-epochs", description = "Phase II epochs (default: Phase II's default, "
            + "PhaseTwoConfig.defaults().epochs())")
    Integer phase2Epochs;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the adaptation (default: ${DEFAULT-VALUE})")
    long seed;

    private int phase2Epochs() {
        return phase2Epochs != null ? phase2Epochs : org.coft.dl4j.phase2.PhaseTwoConfig.defaults().epochs();
    }

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Path dir = work != null ? work : Files.createTempDirectory("coft-demo-");
        Path data = dir.resolve("data");
        PrintWriter out = new PrintWriter(System.out, true);
        String kind = resolveData(dataKind);
        BenchmarkTask task = TaskRegistry.byName("fashion-shift");
        int total = perClass * task.classNames().size();
        if (kind.equals("fashion-shift")) {
            Path src = task.defaultSource().orElseThrow();
            TaskWriter.write(task, task.build(src, total), data, "coft demo --data fashion-shift --per-class "
                    + perClass, src, total);
        } else {
            TaskWriter.write(task, DemoSample.fashionShift(perClass), data, "coft demo --per-class " + perClass,
                    Path.of("coft.jar!" + DemoSample.RESOURCE), total);
        }
        out.println("coft demo — embedded model '" + EmbeddedModel.NAME + "' on " + total + " images of the "
                + "fashion-shift task (rotated Fashion-MNIST test images" + (kind.equals("fashion-shift")
                ? ", from the installed data set)" : ", shipped in the jar)"));
        ClassList classes = ClassList.fromFile(data.resolve("classes.txt"));
        ClipModel model = ClipModel.load(EmbeddedModel.extract());
        out.printf("model: text tower %d ops, image tower %d ops after import; logit scale %.2f%n",
                model.text().graph().report().sameDiffOps(), model.vision().graph().report().sameDiffOps(),
                model.logitScale());
        out.println("data: " + data + " (" + classes.size() * perClass + " images, " + classes.size() + " classes)");
        ZeroShotRun.Result r = ZeroShotRun.run(model, classes, PromptTemplates.single(), data.toString(), 16,
                BadInputPolicy.FAIL, dir.resolve("predictions.csv"), out);
        if (noPhase1) {
            out.printf("summary: zero-shot on %d images in %.1f s; accuracy=%.4f%n", r.examples(),
                    (System.nanoTime() - t0) / 1e9, r.accuracy().orElse(Double.NaN));
            return 0;
        }
        // label-free CoFT Phase I on the same images (their labels are not read), then the same evaluation
        int k = Math.max(1, Math.min(16, perClass / 5));
        PhaseOneConfig cfg = PhaseOneConfig.defaults().withVisual(VisualModule.ADAPTER).withSeeds(k,
                PhaseOneConfig.defaults().shortfall()).withTraining(10, Math.max(4, Math.min(32, k * classes.size() / 4)),
                PhaseOneConfig.defaults().learningRate());
        if (!noPhase2 && perClass < 10) {
            out.println("CoFT Phase II skipped: " + perClass + " images per class are too few to fine-tune the image "
                    + "tower (use --per-class 10 or more)");
            noPhase2 = true;
        }
        out.printf("CoFT (label-free): Phase I with %d seeds per class, feature adapter, %d epochs, two models%s; "
                + "uniform output prior%n", k,
                cfg.epochs(), noPhase2 ? "" : "; Phase II: image tower + linear head on the filtered labels, "
                        + phase2Epochs() + " epochs");
        Path adapted = dir.resolve("adapted");
        org.coft.dl4j.phase1.ClipBackbone backbone = org.coft.dl4j.phase1.ClipBackbone.load(model.directory(), cfg,
                classes.names());
        var images = org.coft.dl4j.phase1.ImageViews.byFileName(org.coft.datavec.source.ImageSources.open(
                data.toString(), org.coft.datavec.source.SourceOptions.defaults()).images());
        var listeners = new org.coft.dl4j.phase1.PhaseOne.Options(2, 256, List.of(new org.coft.dl4j.train.DivergenceGuard(),
                new org.coft.dl4j.train.ProgressListener(out, 1000), new Progress("Phase I")));
        var base = new org.coft.dl4j.adapt.Adaptation.BaseModel(model.directory(), true);
        Path phase1;
        if (noPhase2) {
            org.coft.dl4j.adapt.Adaptation.adapt(org.coft.dl4j.adapt.Method.COFT_PHASE1, base, backbone, images,
                    data.toString(), classes.names(), cfg, seed, adapted, listeners);
            phase1 = adapted;
        } else {
            var coft = org.coft.dl4j.adapt.CoftConfig.coft().withPhase1(cfg).withPhase2(
                    org.coft.dl4j.phase2.PhaseTwoConfig.defaults().withTraining(phase2Epochs(), 32, 1e-4));
            org.coft.dl4j.adapt.Adaptation.adaptCoft(org.coft.dl4j.adapt.Method.COFT, base, backbone, images,
                    data.toString(), classes.names(), coft, seed, adapted, listeners, List.of(
                            new org.coft.dl4j.train.DivergenceGuard(),
                            new org.coft.dl4j.train.ProgressListener(out, 1000, "CE", "contrastive"),
                            new Progress("Phase II")));
            phase1 = adapted.resolve("phase1");
        }
        double p1 = evaluate(phase1, data, model.directory(), out, true);
        if (noPhase2) {
            ReportCommand.writeAfterJob(adapted, data.toString(), out);
            out.printf("summary: zero-shot on %d images %.4f, CoFT Phase I (no labels) %.4f, in %.1f s; accuracy=%.4f%n",
                    r.examples(), r.accuracy().orElse(Double.NaN), p1, (System.nanoTime() - t0) / 1e9, p1);
            return 0;
        }
        double acc = evaluate(adapted, data, model.directory(), out, false);
        ReportCommand.writeAfterJob(adapted, data.toString(), out);
        out.printf("summary: zero-shot on %d images %.4f, CoFT Phase I %.4f, CoFT (Phase II; no labels) %.4f, in "
                + "%.1f s; accuracy=%.4f%n", r.examples(), r.accuracy().orElse(Double.NaN), p1, acc,
                (System.nanoTime() - t0) / 1e9, acc);
        return 0;
    }

    /** Evaluates an adapted folder (labels read only here), echoing its per-model (and seed) lines. */
    private static double evaluate(Path adapted, Path data, Path base, PrintWriter out, boolean seeds) throws Exception {
        EvalCommand eval = new EvalCommand();
        eval.adapted.model = adapted;
        eval.data = data.toString();
        eval.adapted.base = base;
        org.coft.dl4j.eval.RunEvaluation.Report r = eval.measure(new PrintWriter(java.io.Writer.nullWriter()))
                .orElseThrow();
        for (org.coft.dl4j.eval.RunEvaluation.ModelReport m : r.models()) {
            out.println("  " + EvalCommand.modelLine(m));
            if (m.hasPClean()) {
                out.println("  " + EvalCommand.pCleanLine(m));
            }
        }
        if (seeds && r.seeds() != null) {
            out.println("  " + EvalCommand.seedLine(r.seeds()));
        }
        return r.accuracy();
    }

    static String resolveData(String kind) {
        return switch (kind) {
            case "embedded" -> kind;
            case "fashion-shift" -> {
                if (!TaskRegistry.byName("fashion-shift").defaultSourcePresent()) {
                    throw new IllegalArgumentException("--data fashion-shift: Fashion-MNIST is not installed at "
                            + TaskRegistry.byName("fashion-shift").defaultSource().orElseThrow()
                            + " (apt-get install dataset-fashion-mnist); --data embedded needs nothing");
                }
                yield kind;
            }
            default -> throw new IllegalArgumentException("--data: '" + kind + "' is not one of embedded, "
                    + "fashion-shift");
        };
    }
}
