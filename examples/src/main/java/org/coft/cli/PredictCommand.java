package org.coft.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.phase1.ClipBackbone;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.phase1.PhaseOne;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code coft predict}: classifies images with an adapted model and writes {@code id,prediction,probability} rows.
 * Labels in the data are never read. A CoFT / CoFT+ classifier runs alone (no base model, no text tower).
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classify images with an adapted model (from coft adapt); writes id,prediction,probability (and with --probabilities every class's).")
final class PredictCommand implements Callable<Integer> {
    @Mixin
    AdaptedRun adapted = new AdaptedRun();

    @Mixin
    ImageReading reading = new ImageReading();

    @Option(names = "--data", required = true, description = "a folder (sub-folders are not read as labels), a .csv "
            + "manifest or idx:IMAGES")
    String data;

    @Option(names = "--out", description = "CSV file to write (default: standard output)")
    Path out;

    @Option(names = "--probabilities", description = "also write every class's probability (columns p_<class>)")
    boolean probabilities;

    @Mixin
    SparkOptions spark = new SparkOptions();

    @Mixin
    ParquetOutput parquet = new ParquetOutput();

    @Override
    public Integer call() throws Exception {
        parquet.check(spark);
        Adaptation.Adapted a = Adaptation.read(adapted.model);
        ClipBackbone backbone = EvalCommand.backbone(a, adapted.base);
        ClassList cl = ClassList.of(a.classes());
        var source = ImageSources.open(data, SourceOptions.defaults().withBadInput(reading.policy())
                .withClasses(cl));
        try (SparkOptions s = spark) {
            predict(a, backbone, cl, source);
        }
        return 0;
    }

    private void predict(Adaptation.Adapted a, ClipBackbone backbone, ClassList cl,
                         org.coft.datavec.source.ImageSource source) throws java.io.IOException {
        org.coft.dl4j.pass.ImagePass pass = spark.pass(data, reading.policy(), cl.names(), true);
        Adaptation.Predictions pred = Adaptation.predict(a, backbone, ImageViews.byFileName(source.images()),
                new PhaseOne.Options(reading.threads, 256, List.of(new Progress())).withPass(pass));
        if (parquet.dir != null) {
            SparkLauncher.parquet(spark, parquet.dir, pred.ids(), cl.names(), pred.probabilities());
            System.err.println("predict: parquet " + parquet.dir);
        }
        String csv = EvalCommand.predictionsCsv(pred, org.coft.dl4j.phase2.PhaseTwo.argmax(pred.probabilities()), cl,
                probabilities);
        if (out != null) {
            Path parent = out.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            org.coft.dl4j.train.ArrayArchive.writeString(out, csv);
            System.err.println("predict: " + pred.ids().size() + " images -> " + out);
        } else {
            System.out.print(csv);
            System.out.flush();
        }
    }
}
