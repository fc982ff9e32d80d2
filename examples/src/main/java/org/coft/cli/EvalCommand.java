package org.coft.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.EvaluationLabels;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.eval.RunEvaluation;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.phase2.PhaseTwo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code coft eval}: classifies a data source with an adapted model and, when the source has labels, reports
 * accuracy, per-class accuracy, the confusion matrix and — for CoFT — how well each model's p_clean separates
 * its right from its wrong pseudo-labels (AUROC). Labels are read only after prediction.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate an adapted model (from coft adapt) on a data source; last line accuracy=<fraction> "
                + "when the data has labels.")
final class EvalCommand implements Callable<Integer> {
    @Mixin
    AdaptedRun adapted = new AdaptedRun();

    @Mixin
    ImageReading reading = new ImageReading();

    @Option(names = "--data", required = true, description = "a folder with class sub-folders, a .csv manifest or "
            + "idx:IMAGES,LABELS")
    String data;

    @Option(names = "--out", description = "predictions CSV (default: none)")
    Path out;

    @Option(names = "--probabilities", description = "also write every class's probability to --out (columns "
            + "p_<class>)")
    boolean probabilities;

    @Override
    public Integer call() throws Exception {
        evaluate(new PrintWriter(System.out, true));
        return 0;
    }

    /**
     * The base model an adapted folder needs, checked by hash ({@code base} when it moved), or null for a
     * self-contained classifier (coft, coft-plus: it carries its image tower, so no base model is read).
     */
    static ClipBackbone backbone(Adaptation.Adapted a, Path base) throws Exception {
        if (a.selfContained()) {
            return null;
        }
        Path dir = base != null ? base : a.embeddedBase() ? EmbeddedModel.extract() : Path.of(a.basePath());
        Adaptation.checkBase(a, dir);
        return a.method() == org.coft.dl4j.adapt.Method.ZERO_SHOT ? ClipBackbone.plainOnly(dir)
                : ClipBackbone.load(dir, a.config(), a.classes());
    }

    /** Writes the report to {@code pw}; returns the accuracy, empty when the data has no labels. */
    Optional<Double> evaluate(PrintWriter pw) throws Exception {
        return measure(pw).map(RunEvaluation.Report::accuracy);
    }

    /**
     * Predicts, writes the report to {@code pw} and returns it (the measurement is {@link RunEvaluation}'s, in the
     * library); empty when the data has no labels.
     */
    Optional<RunEvaluation.Report> measure(PrintWriter pw) throws Exception {
        Adaptation.Adapted a = Adaptation.read(adapted.model);
        ClipBackbone backbone = backbone(a, adapted.base);
        ClassList cl = ClassList.of(a.classes());
        ImageSource source = ImageSources.open(data, SourceOptions.defaults().withBadInput(reading.policy())
                .withClasses(cl));
        var images = ImageViews.byFileName(source.images());
        Adaptation.Predictions pred = Adaptation.predict(a, backbone, images,
                new PhaseOne.Options(reading.threads, 256, List.of(new Progress())));
        int[] predicted = PhaseTwo.argmax(pred.probabilities());
        pw.printf("eval: %s (%s) on %s: %d images%n", a.dir(), a.method().cliName(), data, predicted.length);
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, predictionsCsv(pred, predicted, cl, probabilities));
            pw.println("predictions: " + out);
        }
        Optional<EvaluationLabels> labels = source.evaluationLabels();
        if (labels.isEmpty()) {
            pw.println("the data has no labels: no accuracy");
            return Optional.empty();
        }
        RunEvaluation.Report r = RunEvaluation.evaluate(pred, labels.get(), a.classes(),
                a.dir().resolve(a.selfContained() ? "phase1/seeds.csv" : "seeds.csv"));
        for (RunEvaluation.ModelReport m : r.models()) {
            pw.println(modelLine(m));
            if (m.hasPClean()) {
                pw.println(pCleanLine(m));
            }
        }
        if (r.filter() != null) {
            RunEvaluation.FilterReport f = r.filter();
            pw.println(f.summary());
            pw.printf("filter A's labels: cross-model keeps %d at precision %.4f; self keeps %d at precision %.4f "
                    + "(all: precision %.4f)%n", f.crossKeptA(), f.crossPrecisionA(), f.selfKeptA(), f.selfPrecisionA(),
                    f.allPrecisionA());
            pw.printf("filter B's labels: cross-model keeps %d at precision %.4f%n", f.crossKeptB(), f.crossPrecisionB());
        }
        if (r.seeds() != null) {
            pw.println(seedLine(r.seeds()));
        }
        Evaluation.print(cl, r, pw);
        return Optional.of(r);
    }

    static String modelLine(RunEvaluation.ModelReport m) {
        return String.format("model %s: accuracy %.4f", m.name(), m.accuracy());
    }

    static String pCleanLine(RunEvaluation.ModelReport m) {
        return String.format("model %s: p_clean AUROC (right vs wrong own pseudo-labels) %.4f; p_clean > 0.5 keeps %d "
                + "(%.1f %%) at precision %.4f", m.name(), m.pCleanAuroc(), m.kept(), 100.0 * m.keptFraction(),
                m.keptPrecision());
    }

    static String seedLine(RunEvaluation.SeedReport s) {
        return String.format("seed pseudo-labels: %d, accuracy %.4f", s.count(), s.accuracy());
    }

    /**
     * {@code id,prediction,probability} rows of predictions (what {@code eval --out} and {@code predict} write), with
     * {@code all}: then one {@code p_<class>} column per class in the model's class order.
     */
    static String predictionsCsv(Adaptation.Predictions pred, int[] predicted, ClassList cl, boolean all) {
        StringBuilder sb = new StringBuilder("id,prediction,probability");
        if (all) {
            for (int c = 0; c < cl.size(); c++) {
                sb.append(',').append(ZeroShotRun.csvField("p_" + cl.name(c)));
            }
        }
        sb.append('\n');
        double[][] p = pred.probabilities().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleMatrix();
        for (int i = 0; i < predicted.length; i++) {
            sb.append(ZeroShotRun.csvField(pred.ids().get(i))).append(',')
                    .append(ZeroShotRun.csvField(cl.name(predicted[i]))).append(',')
                    .append(String.format(java.util.Locale.ROOT, "%.6f", p[i][predicted[i]]));
            if (all) {
                for (double v : p[i]) {
                    sb.append(',').append(String.format(java.util.Locale.ROOT, "%.6f", v));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

}
