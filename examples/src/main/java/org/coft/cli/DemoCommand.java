package org.coft.cli;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.coft.clip.model.ClipModel;
import org.coft.dl4j.phase1.PhaseOneConfig;
import org.coft.dl4j.phase1.VisualModule;
import org.coft.clip.zeroshot.PromptTemplates;
import org.coft.datavec.BadInputPolicy;
import org.coft.cli.task.BenchmarkTask;
import org.coft.cli.task.TaskImage;
import org.coft.cli.task.TaskRegistry;
import org.coft.cli.task.TaskWriter;
import org.coft.datavec.source.ClassList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coft demo}: the most complete pipeline that exists, on embedded defaults. Today: load the embedded
 * micro-CLIP through our ONNX importer, materialise a small labelled image folder — a balanced subset of the
 * {@code fashion-shift} task when Fashion-MNIST is installed, else generated coloured shapes — zero-shot classify it
 * and report accuracy; then adapt to the same images without their labels (CoFT Phase I with the feature
 * adapter) and report the adapted accuracy. It grows with Phase II as that lands.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the main pipeline on the embedded model and generated images; ends with accuracy=<fraction>.")
final class DemoCommand implements Callable<Integer> {
    static final List<String> CLASSES = List.of("red square", "green circle", "blue triangle");

    @Option(names = "--work", description = "work folder (default: a new temporary folder)")
    Path work;

    @Option(names = "--per-class", defaultValue = "40", description = "images per class (default: ${DEFAULT-VALUE})")
    int perClass;

    @Option(names = "--no-phase1", negatable = false, description = "stop after zero-shot (skip label-free CoFT)")
    boolean noPhase1;

    @Option(names = "--no-phase2", negatable = false, description = "stop after CoFT Phase I (skip Phase II fine-tuning)")
    boolean noPhase2;

    @Option(names = "--data", defaultValue = "auto", description = "auto (fashion-shift when Fashion-MNIST is "
            + "installed, else shapes), fashion-shift, or shapes (generated coloured shapes) (default: ${DEFAULT-VALUE})")
    String dataKind;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the generated images (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Path dir = work != null ? work : Files.createTempDirectory("coft-demo-");
        Path data = dir.resolve("data");
        PrintWriter out = new PrintWriter(System.out, true);
        String kind = resolveData(dataKind);
        if (kind.equals("fashion-shift")) {
            BenchmarkTask task = TaskRegistry.byName("fashion-shift");
            Path src = task.defaultSource().orElseThrow();
            List<TaskImage> images = task.build(src, perClass * task.classNames().size());
            TaskWriter.write(task, images, data, "coft demo --per-class " + perClass, src,
                    perClass * task.classNames().size());
            out.println("coft demo — embedded model '" + EmbeddedModel.NAME + "' on a subset of the fashion-shift task "
                    + "(rotated Fashion-MNIST test images)");
        } else {
            generate(data, perClass, seed);
            out.println("coft demo — embedded model '" + EmbeddedModel.NAME + "' on generated coloured shapes (the model "
                    + "never saw shapes: accuracy near chance is expected; install dataset-fashion-mnist for a real task)");
        }
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
        out.printf("CoFT (label-free): Phase I with %d seeds per class, feature adapter, %d epochs, two models%s%n", k,
                cfg.epochs(), noPhase2 ? "" : "; Phase II: image tower + linear head on the filtered labels, 2 epochs");
        Path adapted = dir.resolve("adapted");
        org.coft.dl4j.phase1.ClipBackbone backbone = org.coft.dl4j.phase1.ClipBackbone.load(model.directory(), cfg,
                classes.names());
        var images = org.coft.dl4j.phase1.ImageViews.byFileName(org.coft.datavec.source.ImageSources.open(
                data.toString(), org.coft.datavec.source.SourceOptions.defaults()).images());
        var listeners = new org.coft.dl4j.phase1.PhaseOne.Options(2, 256, List.of(new org.coft.dl4j.train.DivergenceGuard(),
                new org.coft.dl4j.train.ProgressListener(out, 1000)), out);
        var base = new org.coft.dl4j.adapt.Adaptation.BaseModel(model.directory(), true);
        Path phase1;
        if (noPhase2) {
            org.coft.dl4j.adapt.Adaptation.adapt(org.coft.dl4j.adapt.Method.COFT_PHASE1, base, backbone, images,
                    data.toString(), classes.names(), cfg, seed, adapted, listeners);
            phase1 = adapted;
        } else {
            var coft = org.coft.dl4j.adapt.CoftConfig.coft().withPhase1(cfg).withPhase2(
                    org.coft.dl4j.phase2.PhaseTwoConfig.defaults().withTraining(2, 32, 1e-4));
            org.coft.dl4j.adapt.Adaptation.adaptCoft(org.coft.dl4j.adapt.Method.COFT, base, backbone, images,
                    data.toString(), classes.names(), coft, seed, adapted, listeners, List.of(
                            new org.coft.dl4j.train.DivergenceGuard(),
                            new org.coft.dl4j.train.ProgressListener(out, 1000, "CE", "contrastive")));
            phase1 = adapted.resolve("phase1");
        }
        double p1 = evaluate(phase1, data, model.directory(), out, true);
        if (noPhase2) {
            out.printf("summary: zero-shot on %d images %.4f, CoFT Phase I (no labels) %.4f, in %.1f s; accuracy=%.4f%n",
                    r.examples(), r.accuracy().orElse(Double.NaN), p1, (System.nanoTime() - t0) / 1e9, p1);
            return 0;
        }
        double acc = evaluate(adapted, data, model.directory(), out, false);
        out.printf("summary: zero-shot on %d images %.4f, CoFT Phase I %.4f, CoFT (Phase II; no labels) %.4f, in "
                + "%.1f s; accuracy=%.4f%n", r.examples(), r.accuracy().orElse(Double.NaN), p1, acc,
                (System.nanoTime() - t0) / 1e9, acc);
        return 0;
    }

    /** Evaluates an adapted folder (labels read only here), echoing its per-model (and seed) lines. */
    private static double evaluate(Path adapted, Path data, Path base, PrintWriter out, boolean seeds) throws Exception {
        java.io.StringWriter report = new java.io.StringWriter();
        EvalCommand eval = new EvalCommand();
        eval.model = adapted;
        eval.data = data.toString();
        eval.base = base;
        eval.threads = 2;
        eval.badImages = "fail";
        double acc = eval.evaluate(new PrintWriter(report, true)).orElseThrow();
        for (String line : report.toString().split("\n")) {
            if (line.startsWith("model ") || seeds && line.startsWith("seed pseudo-labels")) {
                out.println("  " + line);
            }
        }
        return acc;
    }

    static String resolveData(String kind) {
        return switch (kind) {
            case "fashion-shift", "shapes" -> kind;
            case "auto" -> TaskRegistry.byName("fashion-shift").defaultSourcePresent() ? "fashion-shift" : "shapes";
            default -> throw new IllegalArgumentException("--data: '" + kind + "' is not one of auto, fashion-shift, shapes");
        };
    }

    /** A labelled folder of simple coloured shapes (class sub-folders + classes.txt), deterministic in the seed. */
    static void generate(Path data, int perClass, long seed) throws java.io.IOException {
        Random rnd = new Random(seed);
        Files.createDirectories(data);
        Files.write(data.resolve("classes.txt"), CLASSES);
        Color[] colours = {new Color(220, 30, 30), new Color(30, 180, 40), new Color(30, 60, 220)};
        for (int c = 0; c < CLASSES.size(); c++) {
            Path folder = data.resolve(CLASSES.get(c));
            Files.createDirectories(folder);
            for (int i = 0; i < perClass; i++) {
                BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(new Color(200 + rnd.nextInt(56), 200 + rnd.nextInt(56), 200 + rnd.nextInt(56)));
                g.fillRect(0, 0, 48, 40);
                g.setColor(colours[c]);
                int x = 8 + rnd.nextInt(12);
                int y = 6 + rnd.nextInt(10);
                int s = 14 + rnd.nextInt(8);
                switch (c) {
                    case 0 -> g.fillRect(x, y, s, s);
                    case 1 -> g.fillOval(x, y, s, s);
                    default -> g.fillPolygon(new int[] {x, x + s, x + s / 2}, new int[] {y + s, y + s, y}, 3);
                }
                g.dispose();
                ImageIO.write(img, "png", folder.resolve(String.format("%03d.png", i)).toFile());
            }
        }
    }
}
