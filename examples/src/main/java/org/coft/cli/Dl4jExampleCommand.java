package org.coft.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.coft.cli.example.Dl4jGraphExample;
import org.coft.cli.task.DemoSample;
import org.coft.cli.task.TaskRegistry;
import org.coft.cli.task.TaskWriter;
import org.coft.clip.model.ClipModel;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coft dl4j-example}: {@link Dl4jGraphExample} on the embedded micro-CLIP and the demo's 400 shipped
 * fashion-shift images — a DL4J {@code ComputationGraph} gains CoFT's adapter and dual-prompt head and is trained
 * label-free with DL4J's own {@code fit}.
 */
@Command(name = "dl4j-example", mixinStandardHelpOptions = true,
        description = "A DL4J ComputationGraph on CLIP features gains CoFT's feature adapter and dual-prompt head "
                + "(TransferLearning), is trained on zero-shot seeds with DL4J's own fit and CoFT's listeners, and is "
                + "evaluated; embedded model and the demo's images. Ends with accuracy=<fraction>.")
final class Dl4jExampleCommand implements Callable<Integer> {
    @Option(names = "--work", description = "work folder for the images (default: a new temporary folder)")
    Path work;

    @Option(names = "--seeds-per-class", defaultValue = "8", description = "K, zero-shot seeds per class "
            + "(default: ${DEFAULT-VALUE})")
    int seedsPerClass;

    @Option(names = "--epochs", defaultValue = "10", description = "epochs of DL4J's fit (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "20", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--learning-rate", defaultValue = "2e-3", description = "Adam's learning rate "
            + "(default: ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--seed", defaultValue = "0", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        PrintWriter out = new PrintWriter(System.out, true);
        Path dir = work != null ? work : Files.createTempDirectory("coft-dl4j-example-");
        Path data = dir.resolve("data");
        var task = TaskRegistry.byName("fashion-shift");
        TaskWriter.write(task, DemoSample.fashionShift(DemoSample.PER_CLASS), data, "coft dl4j-example",
                Path.of("coft.jar!" + DemoSample.RESOURCE), DemoSample.PER_CLASS * task.classNames().size());
        ClassList classes = ClassList.fromFile(data.resolve("classes.txt"));
        Path modelDir = EmbeddedModel.extract();
        ClipModel model = ClipModel.load(modelDir);
        ImageSource source = ImageSources.open(data.toString(), SourceOptions.defaults().withClasses(classes));
        out.println("coft dl4j-example — embedded model '" + EmbeddedModel.NAME + "', " + source.images().size()
                + " fashion-shift images in " + data);
        var settings = new Dl4jGraphExample.Settings(seedsPerClass, epochs, batch, learningRate, seed);
        // the example trains on the unlabelled view; the labels are handed over for measurement only
        Dl4jGraphExample.Result r = Dl4jGraphExample.run(model, modelDir, classes.names(), source.images(),
                source.evaluationLabels().orElse(null), settings, out);
        out.printf(Locale.ROOT, "mean p_clean of the predicted class: %.4f%n", r.meanPClean());
        out.printf(Locale.ROOT, "summary: %d images, %d seeds; zero-shot %.4f, ComputationGraph with CoFT's head "
                + "%.4f, in %.1f s; accuracy=%.4f%n", r.images(), r.seeds(), r.zeroShotAccuracy(), r.adaptedAccuracy(),
                (System.nanoTime() - t0) / 1e9, r.adaptedAccuracy());
        return 0;
    }
}
