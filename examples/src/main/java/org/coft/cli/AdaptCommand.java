package org.coft.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.adapt.Adaptation;
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
import picocli.CommandLine.Option;

/**
 * {@code coft adapt}: label-free adaptation of CLIP to unlabeled images. Labels in the data (class sub-folders,
 * manifest labels) are never read: only the unlabeled view of the source is passed on, ordered by file name.
 */
@Command(name = "adapt", mixinStandardHelpOptions = true,
        description = "Adapt CLIP to unlabeled images without labels (zero-shot, UPL or CoFT Phase I); writes the "
                + "adapted model, its config and provenance to --out. Running again on the same --out resumes.")
final class AdaptCommand implements Callable<Integer> {
    @Option(names = "--method", defaultValue = "coft-phase1", description = "zero-shot, upl, coft-phase1, or coop (the supervised few-shot reference; reads labels) (default: "
            + "${DEFAULT-VALUE})")
    String method;

    @Option(names = "--data", required = true, description = "a folder (sub-folders are ignored as labels), a .csv "
            + "manifest or idx:IMAGES")
    String data;

    @Option(names = "--out", required = true, description = "output folder (adapted model)")
    Path out;

    @Option(names = "--model", description = "CLIP model directory (default: the embedded micro-CLIP)")
    Path model;

    @Option(names = "--classes", description = "class names, one per line (default: the data folder's classes.txt)")
    Path classes;

    @Option(names = "--seed", defaultValue = "0", description = "run seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--config", description = "JSON file of Phase I settings over the method's defaults "
            + "(fields: see coft-dl4j/README.md)")
    Path config;

    @Option(names = "--visual", description = "visual module: vpt-deep, vpt-shallow, adapter or none (overrides the "
            + "config)")
    String visual;

    @Option(names = "--epochs", description = "Phase I epochs (overrides the config)")
    Integer epochs;

    @Option(names = "--threads", defaultValue = "2", description = "image decoding threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--monitor-labels", description = "when the data has labels, report each epoch's pseudo-label "
            + "accuracy and p_clean AUROC against them (measurement only: training never sees them)")
    boolean monitorLabels;

    @Option(names = "--bad-images", defaultValue = "fail", description = "fail or skip unreadable images (default: "
            + "${DEFAULT-VALUE})")
    String badImages;

    @Override
    public Integer call() throws Exception {
        Method m = Method.parse(method);
        PhaseOneConfig cfg = config != null ? PhaseOneConfig.read(config, Adaptation.defaultConfig(m))
                : Adaptation.defaultConfig(m);
        if (visual != null) {
            cfg = cfg.withVisual(VisualModule.valueOf(visual.toUpperCase().replace('-', '_')));
        }
        if (epochs != null) {
            cfg = cfg.withTraining(epochs, cfg.batchSize(), cfg.learningRate());
        }
        boolean embedded = model == null;
        Path dir = embedded ? EmbeddedModel.extract() : model;
        ClassList cl = ClassList.fromFile(classes != null ? classes : ZeroShotCommand.defaultClasses(data));
        PrintWriter pw = new PrintWriter(System.out, true);
        // the class list fixes what label indices mean for coop and --monitor-labels (without it a folder's
        // sub-folders would be numbered alphabetically); label-free methods never read labels
        ImageSource source = ImageSources.open(data, SourceOptions.defaults()
                .withBadInput(BadInputPolicy.parse(badImages)).withClasses(cl));
        UnlabeledImages images = ImageViews.byFileName(source.images());
        pw.printf("adapt: %s on %s (%d images, %d classes), seed %d, visual %s%n", m.cliName(), data, images.size(),
                cl.size(), seed, m == Method.ZERO_SHOT ? "-" : cfg.visual());
        ClipBackbone backbone = m == Method.ZERO_SHOT ? ClipBackbone.plainOnly(dir) : ClipBackbone.load(dir, cfg,
                cl.names());
        List<TrainingListener> listeners = new ArrayList<>(List.of(new DivergenceGuard(), new ProgressListener(pw, 50)));
        if (monitorLabels) {
            var labels = source.evaluationLabels().orElseThrow(() -> new IllegalArgumentException(
                    "--monitor-labels: " + data + " has no labels"));
            listeners.add(new PseudoLabelStats(labels::labelOf, pw));
        } else if (m == Method.COFT_PHASE1) {
            listeners.add(new PseudoLabelStats(null, pw));
        }
        java.util.function.ToIntFunction<String> shotLabels = null;
        if (m == Method.COOP) {
            var labels = source.evaluationLabels().orElseThrow(() -> new IllegalArgumentException(
                    "coop is the supervised few-shot reference and needs labelled data; " + data + " has no labels"));
            shotLabels = labels::labelOf;
            pw.println("coop: supervised reference — " + cfg.seedsPerClass() + " labelled shots per class");
        }
        var result = Adaptation.adapt(m, new Adaptation.BaseModel(dir, embedded), backbone, images, data, cl.names(), cfg,
                seed, out, new PhaseOne.Options(threads, 256, listeners, pw), shotLabels);
        pw.println("adapted model: " + out.resolve(Adaptation.MANIFEST) + (result == null ? ""
                : " (" + result.models().size() + " model(s), " + result.seeds().size() + " seeds)"));
        return 0;
    }
}
