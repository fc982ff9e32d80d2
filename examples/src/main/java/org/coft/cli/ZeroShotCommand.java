package org.coft.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.coft.clip.model.ClipModel;
import org.coft.clip.zeroshot.PromptTemplates;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.source.ClassList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code coft zero-shot}: CLIP zero-shot predictions for a data source, with accuracy when it has labels. */
@Command(name = "zero-shot", mixinStandardHelpOptions = true,
        description = "Zero-shot classify images with CLIP; writes a predictions CSV and, when the data has labels, "
                + "prints accuracy (last line: accuracy=<fraction>).")
final class ZeroShotCommand implements Callable<Integer> {
    @Option(names = "--model", description = "model directory (default: the embedded model)")
    Path model;

    @Option(names = "--classes", description = "class names, one per line (default: the data folder's classes.txt)")
    Path classes;

    @Option(names = "--data", required = true, description = "a folder (class sub-folders = labels), a .csv manifest "
            + "(path[,label]) or idx:IMAGES[,LABELS]")
    String data;

    @Option(names = "--templates", description = "prompt templates, one per line with {} for the class name "
            + "(default: \"a photo of a {}.\")")
    Path templates;

    @Option(names = "--batch", defaultValue = "32", description = "images per batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--out", defaultValue = "zero-shot-predictions.csv", description = "predictions CSV (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--bad-images", defaultValue = "fail", description = "fail or skip unreadable images (default: ${DEFAULT-VALUE})")
    String badImages;

    @Mixin
    SparkOptions spark = new SparkOptions();

    @Mixin
    ParquetOutput parquet = new ParquetOutput();

    @Override
    public Integer call() throws Exception {
        parquet.check(spark);
        ClipModel m = ClipModel.load(model != null ? model : EmbeddedModel.extract());
        ClassList cl = ClassList.fromFile(classes != null ? classes : defaultClasses(data));
        PromptTemplates t = templates != null ? PromptTemplates.read(templates) : PromptTemplates.single();
        PrintWriter pw = new PrintWriter(System.out, true);
        try (SparkOptions s = spark) {
            ZeroShotRun.run(m, cl, t, data, batch, BadInputPolicy.parse(badImages), out, pw, spark, parquet.dir);
        }
        return 0;
    }

    static Path defaultClasses(String data) {
        Path dir = Path.of(data.startsWith("idx:") ? data.substring(4).split(",")[0] : data);
        Path folder = Files.isDirectory(dir) ? dir : dir.toAbsolutePath().getParent();
        Path f = folder.resolve("classes.txt");
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("no --classes given and no classes.txt in " + folder);
        }
        return f;
    }
}
