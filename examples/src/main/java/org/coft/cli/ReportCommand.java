package org.coft.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.coft.cli.report.HtmlReport;
import org.coft.cli.report.RunRecords;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.EvaluationLabels;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code coft report RUN_DIR [--data PATH] [--out FILE]}: the HTML report of an adapted run folder
 * ({@link HtmlReport}); also written at the end of {@code coft adapt} (label-free) and {@code coft demo} (with the
 * demo's labels).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write an HTML report (plots embedded) of an adapted run folder; with --data, also accuracy "
                + "panels from that data's labels. Last line: report: <file>.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "adapted run folder (written by coft adapt)")
    Path run;

    @Option(names = "--data", description = "labelled data of the run's images (a folder with class sub-folders, a "
            + ".csv manifest or idx:IMAGES,LABELS) for the accuracy panels (default: none, label-free panels only)")
    String data;

    @Option(names = "--out", description = "the HTML file (default: RUN_DIR/" + HtmlReport.FILE + ")")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = new PrintWriter(System.out, true);
        HtmlReport.Written w = write(run, data, out != null ? out : run.resolve(HtmlReport.FILE));
        pw.printf("report: %d figure(s)%s%s%n", w.figures(), w.withLabels() ? ", accuracy panels from " + data
                : ", label-free (give --data for accuracy panels)", w.absent().isEmpty() ? ""
                : "; not recorded by this run: " + String.join(", ", w.absent()));
        pw.println("report: " + w.file().toAbsolutePath().normalize());
        return 0;
    }

    /** Writes the report of {@code run} (labels of {@code data}, when not null) to {@code file}. */
    static HtmlReport.Written write(Path run, String data, Path file) throws Exception {
        RunRecords records = RunRecords.read(run);
        Optional<EvaluationLabels> labels = Optional.empty();
        if (data != null) {
            labels = ImageSources.open(data, SourceOptions.defaults().withBadInput(BadInputPolicy.SKIP)
                    .withClasses(ClassList.of(records.classes()))).evaluationLabels();
            if (labels.isEmpty()) {
                throw new IllegalArgumentException("--data " + data + ": no labels there (a folder with class "
                        + "sub-folders, or a manifest with a label column); leave --data out for a label-free report");
            }
        }
        return HtmlReport.write(records, labels, data, file);
    }

    /**
     * The report at the end of a job: its path printed, or — since the job's results are already written — a
     * warning naming the cause when the report cannot be made (the job still succeeds).
     */
    static void writeAfterJob(Path run, String data, PrintWriter pw) {
        try {
            HtmlReport.Written w = write(run, data, run.resolve(HtmlReport.FILE));
            pw.println("report: " + w.file().toAbsolutePath().normalize());
        } catch (Exception | LinkageError e) {
            pw.println("report: not written (" + e + "); the run's results are complete — retry with coft report "
                    + run);
        }
    }
}
