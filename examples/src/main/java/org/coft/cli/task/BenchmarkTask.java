package org.coft.cli.task;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A benchmark task: a fixed, labelled image set rebuilt from data reachable here (see {@link TaskRegistry}). */
public interface BenchmarkTask {
    /** @return the task's command-line name */
    String name();

    /** @return natural-language class names in label order (the {@code classes.txt}) */
    List<String> classNames();

    /** @return the default source when {@code --source} is omitted, if the task has one */
    Optional<Path> defaultSource();

    /** @return whether {@link #defaultSource()} exists and holds the task's files */
    default boolean defaultSourcePresent() {
        return false;
    }

    /** @return what {@code --source} must point at, for messages and the README */
    String sourceHelp();

    /** @return the name under {@code /tasks/} of the task's {@code prompts.json} resource (default: its own name) */
    default String promptsResource() {
        return name();
    }

    /** @return Markdown paragraphs for the task folder's README: what the images are, the shift, the licence */
    String describe();

    /**
     * Builds the task's images.
     *
     * @param source the data the task is made from ({@link #sourceHelp()})
     * @param limit  at most this many images, balanced over classes ({@link #limitPerClass}); 0 = all
     * @return the images in source order
     * @throws IOException if the source cannot be read
     */
    List<TaskImage> build(Path source, int limit) throws IOException;

    /**
     * Which examples {@code --limit} keeps: the first {@code limit / k} of each class in source order, the first
     * {@code limit % k} classes one more. {@code limit <= 0} keeps everything.
     *
     * @param labels the labels of all examples, in source order
     * @param k      number of classes
     * @param limit  the limit
     * @return the kept source indices, ascending
     */
    static int[] limitPerClass(int[] labels, int k, int limit) {
        List<Integer> keep = new ArrayList<>();
        int[] taken = new int[k];
        for (int i = 0; i < labels.length; i++) {
            int c = labels[i];
            int quota = limit <= 0 ? Integer.MAX_VALUE : limit / k + (c < limit % k ? 1 : 0);
            if (taken[c] < quota) {
                taken[c]++;
                keep.add(i);
            }
        }
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }
}
