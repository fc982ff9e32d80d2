package org.coft.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code coft} command line: {@code java -jar coft.jar <command>}. */
@Command(name = "coft", mixinStandardHelpOptions = true, version = "coft 0.1.0-SNAPSHOT (DL4J/ND4J 1.0.0-M2.1)",
        description = "Label-free fine-tuning of CLIP models on the JVM (CoFT, arXiv 2602.04337).",
        subcommands = {DemoCommand.class, InspectCommand.class, GraphRunCommand.class, ZeroShotCommand.class,
                TokenizeCommand.class, BenchCommand.class, TaskCommand.class, AdaptCommand.class,
                EvalCommand.class, PredictCommand.class, ExportCommand.class, SearchCommand.class,
                SearchReportCommand.class, ReportCommand.class, Dl4jExampleCommand.class})
public final class CoftCli implements Callable<Integer> {
    public static void main(String[] args) {
        // before anything touches ND4J: the fastest native build and OpenBLAS kernel set this CPU runs
        try {
            NativeBuildChoice.apply();
            org.coft.clip.exec.OpenBlasKernels.apply();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
        int code = new CommandLine(new CoftCli())
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    cmd.getErr().println("error: " + ex.getMessage());
                    if (Boolean.getBoolean("coft.debug")) {
                        ex.printStackTrace(cmd.getErr());
                    }
                    return 1;
                })
                .execute(args);
        System.exit(code);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }
}
