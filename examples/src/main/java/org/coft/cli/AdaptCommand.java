package org.coft.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.adapt.CoftTrainer;
import org.coft.dl4j.adapt.CoftConfig;
import org.coft.dl4j.adapt.Method;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.phase1.PhaseOneConfig;
import org.coft.dl4j.phase1.VisualModule;
import org.coft.dl4j.train.DivergenceGuard;
import org.coft.dl4j.train.ProgressListener;
import org.coft.dl4j.train.PseudoLabelStats;
import org.coft.dl4j.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code coft adapt}: label-free adaptation of CLIP to unlabeled images. Labels in the data (class sub-folders,
 * manifest labels) are never read: only the unlabeled view of the source is passed on, ordered by file name.
 */
@Command(name = "adapt", mixinStandardHelpOptions = true,
        description = "Adapt CLIP to unlabeled images without labels (zero-shot, UPL, CoFT Phase I, CoFT, CoFT+); "
                + "writes the adapted model, its config and provenance to --out. Running again on the same --out "
                + "(or coft adapt --resume OUT) resumes.")
final class AdaptCommand implements Callable<Integer> {
    @Mixin
    ImageReading reading = new ImageReading();

    @Option(names = "--method", defaultValue = "coft-phase1", description = "zero-shot, upl, coft-phase1, coft, "
            + "coft-plus, or coop (the supervised few-shot reference; reads labels) (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--data", description = "a folder (sub-folders are ignored as labels), a .csv manifest or "
            + "idx:IMAGES (required unless --resume)")
    String data;

    @Option(names = "--out", description = "output folder (adapted model) (required unless --resume)")
    Path out;

    @Option(names = "--resume", description = "continue an interrupted coft / coft-plus run in this folder with the "
            + "settings it started with (finished stages are kept)")
    Path resume;

    @Option(names = "--model", description = "CLIP model directory (default: the embedded micro-CLIP)")
    Path model;

    @Option(names = "--classes", description = "class names, one per line (default: the data folder's classes.txt)")
    Path classes;

    @Option(names = "--seed", defaultValue = "0", description = "run seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--config", description = "JSON or YAML (*.yaml, *.yml) settings over the method's defaults: Phase I fields, or for coft "
            + "and coft-plus {\"rounds\": R, \"phase1\": {...}, \"phase2\": {...}} (fields: see coft-dl4j/README.md)")
    Path config;

    @Option(names = "--prompts", description = "JSON of zero-shot templates and class descriptions that pick the first "
            + "labels (CoFT+'s richer prompts; default: CLIP's basic prompt; a data folder's prompts.json is read only "
            + "when named here)")
    Path prompts;

    @Option(names = "--visual", description = "visual module: vpt-deep, vpt-shallow, adapter or none (overrides the "
            + "config)")
    String visual;

    @Option(names = "--epochs", description = "Phase I epochs (overrides the config)")
    Integer epochs;

    @Option(names = "--phase1-from", description = "coft, coft-plus: adopt the finished round-1 Phase I of this "
            + "earlier coft / coft-plus run folder instead of training it again (it must have the same seed, Phase I "
            + "settings, base model, classes and data; checked) — for Phase II ablations")
    Path phase1From;

    @Option(names = "--phase2-epochs", description = "coft, coft-plus: Phase II epochs (overrides the config)")
    Integer phase2Epochs;

    @Mixin
    SparkOptions spark = new SparkOptions();

    @Option(names = "--monitor-labels", description = "when the data has labels, report each epoch's pseudo-label "
            + "accuracy and p_clean AUROC against them (measurement only: training never sees them)")
    boolean monitorLabels;

    @Override
    public Integer call() throws Exception {
        try (SparkOptions s = spark) {
            return adapt();
        }
    }

    private int adapt() throws Exception {
        if (resume != null) {
            return resumeRun();
        }
        if (data == null || out == null) {
            throw new IllegalArgumentException("--data and --out are required (or --resume OUT)");
        }
        Method m = Method.parse(method);
        if (m.fineTunes()) {
            return runCoft(m, coftConfig(m), model, seed, classList());
        }
        PhaseOneConfig cfg = config != null ? PhaseOneConfig.read(config, Adaptation.defaultConfig(m))
                : Adaptation.defaultConfig(m);
        if (visual != null) {
            cfg = cfg.withVisual(visualModule());
        }
        if (epochs != null) {
            cfg = cfg.withTraining(epochs, cfg.batchSize(), cfg.learningRate());
        }
        boolean embedded = model == null;
        Path dir = embedded ? EmbeddedModel.extract() : model;
        ClassList cl = classList();
        PrintWriter pw = new PrintWriter(System.out, true);
        // the class list fixes what label indices mean for coop and --monitor-labels (without it a folder's
        // sub-folders would be numbered alphabetically); label-free methods never read labels
        ImageSource source = ImageSources.open(data, SourceOptions.defaults()
                .withBadInput(reading.policy()).withClasses(cl));
        UnlabeledImages images = ImageViews.byFileName(source.images());
        Adaptation.checkInputs(cl.names(), images);
        pw.printf("adapt: %s on %s (%d images, %d classes), seed %d, visual %s%n", m.cliName(), data, images.size(),
                cl.size(), seed, m == Method.ZERO_SHOT ? "-" : cfg.visual());
        ClipBackbone backbone = m == Method.ZERO_SHOT ? ClipBackbone.plainOnly(dir) : ClipBackbone.load(dir, cfg,
                cl.names());
        List<TrainingListener> listeners = phaseOneListeners(source, m == Method.COFT_PHASE1);
        java.util.function.ToIntFunction<String> shotLabels = null;
        if (m == Method.COOP) {
            var labels = source.evaluationLabels().orElseThrow(() -> new IllegalArgumentException(
                    "coop is the supervised few-shot reference and needs labelled data; " + data + " has no labels"));
            shotLabels = labels::labelOf;
            pw.println("coop: supervised reference — " + cfg.seedsPerClass() + " labelled shots per class");
        }
        var result = Adaptation.adapt(m, new Adaptation.BaseModel(dir, embedded), backbone, images, data, cl.names(), cfg,
                seed, out, new PhaseOne.Options(reading.threads, 256, listeners)
                        .withPass(spark.pass(data, reading.policy(), cl.names(), true)), shotLabels);
        pw.println("adapted model: " + out.resolve(Adaptation.MANIFEST) + (result == null ? ""
                : " (" + result.models().size() + " model(s), " + result.seeds().size() + " seeds)"));
        if (m != Method.ZERO_SHOT) {
            ReportCommand.writeAfterJob(out, null, pw);
        }
        return 0;
    }

    /**
     * Progress and divergence guard, plus pseudo-label statistics: against the data's labels with
     * {@code --monitor-labels} (measurement only), else label-free when {@code stats}.
     */
    private List<TrainingListener> phaseOneListeners(ImageSource source, boolean stats) {
        List<TrainingListener> listeners = new ArrayList<>(List.of(new DivergenceGuard(), new ProgressListener(50),
                new Progress("Phase I")));
        if (monitorLabels) {
            var labels = source.evaluationLabels().orElseThrow(() -> new IllegalArgumentException(
                    "--monitor-labels: " + data + " has no labels"));
            listeners.add(new PseudoLabelStats(labels::labelOf));
        } else if (stats) {
            listeners.add(new PseudoLabelStats(null));
        }
        return listeners;
    }

    private VisualModule visualModule() {
        return VisualModule.valueOf(visual.toUpperCase().replace('-', '_'));
    }

    private CoftConfig coftConfig(Method m) throws java.io.IOException {
        CoftConfig cfg = withPrompts(config != null ? CoftConfig.read(config, CoftConfig.defaults(m))
                : CoftConfig.defaults(m), prompts);
        if (visual != null) {
            cfg = cfg.withPhase1(cfg.phase1().withVisual(visualModule()));
        }
        if (epochs != null) {
            cfg = cfg.withPhase1(cfg.phase1().withTraining(epochs, cfg.phase1().batchSize(), cfg.phase1().learningRate()));
        }
        if (phase2Epochs != null) {
            cfg = cfg.withPhase2(cfg.phase2().withTraining(phase2Epochs, cfg.phase2().batchSize(),
                    cfg.phase2().learningRate()));
        }
        return cfg;
    }

    /**
     * {@code cfg} with the zero-shot templates and class descriptions of {@code prompts} when one is given (also
     * {@code coft search}'s base config). A data folder's prompts.json is not read unless named: on the development
     * task fashion-zoom its class descriptions cost CoFT+ 0.87 points on average and lost on every seed (README).
     */
    static CoftConfig withPrompts(CoftConfig cfg, Path prompts) throws java.io.IOException {
        return prompts != null ? cfg.withPrompts(prompts) : cfg;
    }

    private ClassList classList() throws java.io.IOException {
        return classList(classes, data);
    }

    /** The class list of --classes or the data's classes.txt, read before anything is written. */
    static ClassList classList(Path classes, String data) throws java.io.IOException {
        Path f = classes != null ? classes : ZeroShotCommand.defaultClasses(data);
        try {
            return ClassList.fromFile(f);
        } catch (java.io.IOException e) {
            throw new java.io.IOException("classes file " + f + ": cannot read it (" + e + "); expected class names, "
                    + "one per line", e);
        }
    }

    /** Continues a run from its folder alone: its data and base model are found relative to it, then absolutely. */
    private int resumeRun() throws Exception {
        Adaptation.RunSettings run = Adaptation.readRun(resume);
        data = run.data();
        out = resume;
        return runCoft(run.method(), run.config(), run.baseModel(), run.seed(), ClassList.of(run.classes()));
    }

    private int runCoft(Method m, CoftConfig cfg, Path modelDir, long runSeed, ClassList cl) throws Exception {
        boolean embedded = modelDir == null;
        Path dir = embedded ? EmbeddedModel.extract() : modelDir;
        PrintWriter pw = new PrintWriter(System.out, true);
        ImageSource source = ImageSources.open(data, SourceOptions.defaults()
                .withBadInput(reading.policy()).withClasses(cl));
        UnlabeledImages images = ImageViews.byFileName(source.images());
        Adaptation.checkInputs(cl.names(), images);
        pw.printf("adapt: %s on %s (%d images, %d classes), seed %d, %d round(s) of Phase I with %s, Phase II %d "
                + "epoch(s), filter %s, class balance %s, %s%n", m.cliName(), data, images.size(), cl.size(), runSeed,
                cfg.rounds(), cfg.phase1().visual(), cfg.phase2().epochs(), cfg.phase2().filter(), cfg.phase2().balance(),
                cfg.phase2().contrastive() ? "contrastive gamma " + cfg.phase2().gamma() + " on the "
                        + cfg.phase2().contrastHead().name().toLowerCase(java.util.Locale.ROOT) : "no contrastive term");
        List<TrainingListener> phase2 = List.of(new DivergenceGuard(), new ProgressListener(25, "CE", "contrastive"),
                new Progress("Phase II"));
        var r = CoftTrainer.of(m, runSeed).withConfig(cfg).withThreads(reading.threads)
                .withListeners(phaseOneListeners(source, true), phase2).withPhaseOneFrom(phase1From)
                .withPass(spark.pass(data, reading.policy(), cl.names(), true))
                .run(new Adaptation.BaseModel(dir, embedded), images, data, cl.names(), out);
        pw.println("adapted model: " + out.resolve(Adaptation.MANIFEST) + " (" + r.classifiers().size()
                + " classifier graph(s); self-contained: coft eval / coft predict need no base model)");
        ReportCommand.writeAfterJob(out, null, pw);
        return 0;
    }
}
