package org.coft.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.coft.clip.model.ClipModel;
import org.coft.clip.zeroshot.PromptTemplates;
import org.coft.clip.zeroshot.ZeroShotClassifier;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.EvaluationLabels;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.dl4j.pass.ImagePass;
import org.coft.dl4j.phase1.ZeroShotModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Zero-shot classification of a whole data source: predictions CSV, and — only when the source carries labels
 * — accuracy, per-class accuracy and a confusion matrix. Labels are read after prediction, for measurement.
 */
final class ZeroShotRun {
    /** What a run measured; {@code accuracy} is empty when the data has no labels. */
    record Result(int examples, Optional<Double> accuracy, int skipped) { }

    private ZeroShotRun() {
    }

    static Result run(ClipModel model, ClassList classes, PromptTemplates templates, String data, int batch,
                      BadInputPolicy policy, Path predictionsCsv, PrintWriter out) throws IOException {
        return run(model, classes, templates, data, batch, policy, predictionsCsv, out, null, null);
    }

    /**
     * As {@link #run(ClipModel, ClassList, PromptTemplates, String, int, BadInputPolicy, Path, PrintWriter)}, the
     * pass over the images on Spark when {@code spark} is enabled, and the probabilities also written as Parquet to
     * {@code parquet} (with Spark only; null for none).
     */
    static Result run(ClipModel model, ClassList classes, PromptTemplates templates, String data, int batch,
                      BadInputPolicy policy, Path predictionsCsv, PrintWriter out, SparkOptions spark, Path parquet)
            throws IOException {
        ImageSource source = ImageSources.open(data, SourceOptions.defaults().withBadInput(policy).withClasses(classes));
        ZeroShotClassifier zs = ZeroShotClassifier.build(model, classes.names(), templates);
        ImagePass pass = spark == null ? ImagePass.LOCAL : spark.pass(data, policy, classes.names(), false);
        Files.createDirectories(predictionsCsv.toAbsolutePath().getParent());
        Path tmp = predictionsCsv.resolveSibling(predictionsCsv.getFileName() + ".tmp");
        int total = source.images().size();
        Progress progress = new Progress("zero-shot", total);
        ImagePass.Result r = pass.run(source.images(), model.preprocess(), batch,
                Runtime.getRuntime().availableProcessors(), ZeroShotModel.function(model, zs, templates),
                List.of(progress), "zero-shot");
        INDArray probs = r.output(0);
        progress.finish();
        List<String> ids = r.ids();
        int[] predicted = new int[ids.size()];
        var top = zs.topK(probs, 5);
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(tmp, StandardCharsets.UTF_8))) {
            csv.println("id,prediction,probability,top5");
            for (int i = 0; i < ids.size(); i++) {
                var best = top.get(i).get(0);
                predicted[i] = best.classIndex();
                StringBuilder t5 = new StringBuilder();
                for (var p : top.get(i)) {
                    t5.append(t5.length() == 0 ? "" : ";").append(p.className()).append(':')
                            .append(String.format("%.4f", p.probability()));
                }
                csv.printf("%s,%s,%.6f,%s%n", csvField(ids.get(i)), csvField(best.className()),
                        best.probability(), csvField(t5.toString()));
            }
        }
        if (parquet != null) {
            SparkLauncher.parquet(spark, parquet, ids, classes.names(), probs);
            out.println("parquet: " + parquet);
        }
        Files.move(tmp, predictionsCsv, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        out.println("predictions: " + predictionsCsv + " (" + ids.size() + " images, " + classes.size() + " classes, "
                + templates.size() + " template(s))");
        if (!source.skipReport().isEmpty()) {
            out.println(source.skipReport().summary());
        }
        Optional<EvaluationLabels> labels = source.evaluationLabels();
        if (labels.isEmpty()) {
            out.flush();
            return new Result(ids.size(), Optional.empty(), source.skipReport().count());
        }
        int[] truth = labels.get().labelsOf(ids);
        double acc = Evaluation.report(classes, truth, predicted, out);
        out.flush();
        return new Result(ids.size(), Optional.of(acc), source.skipReport().count());
    }

    static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
