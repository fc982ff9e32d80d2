package org.coft.datavec.source;

import org.coft.datavec.BadInputException;
import org.coft.datavec.BadInputKind;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.SkipReport;
import org.coft.datavec.SkippedInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens an IDX images file ({@code [count, rows, cols]} unsigned bytes) and optionally an IDX labels file
 * ({@code [count]}). Structural problems (not IDX, truncated, counts that disagree) fail regardless of the
 * policy, since no single example can be skipped; a label index outside the class list is an UNKNOWN_LABEL
 * bad input for that example. Images of more than {@link SourceOptions#maxPixels()} pixels make the whole file an
 * IMAGE_TOO_LARGE bad input (FAIL: refused; SKIP: reported, no examples), decided from the header before the data
 * are read.
 */
final class IdxSourceReader {

    private static final Logger LOG = LoggerFactory.getLogger(IdxSourceReader.class);

    private IdxSourceReader() {
    }

    static ImageSource open(Path imagesFile, Path labelsFile, SourceOptions options) throws IOException {
        IdxFile.Header header = IdxFile.readHeader(imagesFile);
        int[] dims = header.dimensions();
        if (dims.length != 3 || dims[1] < 1 || dims[2] < 1) {
            throw new IllegalArgumentException(imagesFile + ": IDX images must have dimensions [count, rows, cols] "
                    + "with rows, cols >= 1, found " + Arrays.toString(dims));
        }
        int count = dims[0];
        SkipReport report = new SkipReport();
        long pixels = (long) dims[1] * dims[2];
        boolean tooLarge = pixels > options.maxPixels();
        if (tooLarge) {
            // Every image in the file has this size, so the whole file is the one bad input; its data is not read.
            SkippedInput large = new SkippedInput(imagesFile.toString(), BadInputKind.IMAGE_TOO_LARGE,
                    "IDX header declares " + count + " images of " + dims[1] + "x" + dims[2] + " = " + pixels
                            + " pixels each, over the pixel budget of " + options.maxPixels()
                            + " (SourceOptions.maxPixels); refused before reading");
            if (options.badInput() == BadInputPolicy.FAIL) {
                throw new BadInputException(List.of(large));
            }
            report.add(large);
            LOG.warn("IDX {}: skipped the whole file (policy SKIP): {}", imagesFile, large);
        }
        IdxFile images = tooLarge ? new IdxFile(imagesFile, dims, new byte[0]) : IdxFile.read(header);
        if (count == 0) {
            SkippedInput empty = new SkippedInput(imagesFile.toString(), BadInputKind.EMPTY_FOLDER,
                    "IDX file holds 0 images");
            if (options.badInput() == BadInputPolicy.FAIL) {
                throw new BadInputException(List.of(empty));
            }
            report.add(empty);
        }
        if (labelsFile == null) {
            int[] all = new int[tooLarge ? 0 : count];
            Arrays.setAll(all, i -> i);
            return new ImageSource(new IdxImages(images, all, options.badInput(), report), null, options.classes(),
                    List.of());
        }
        IdxFile labels = IdxFile.read(labelsFile);
        if (labels.dimensions().length != 1 || labels.dimensions()[0] != count) {
            throw new IllegalArgumentException(labelsFile + ": IDX labels must have dimensions [" + count
                    + "] to match " + imagesFile + ", found " + Arrays.toString(labels.dimensions()));
        }
        byte[] values = labels.data();
        int max = 0;
        for (byte v : values) {
            max = Math.max(max, v & 0xFF);
        }
        ClassList classes = options.classes();
        if (classes == null && count > 0) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i <= max; i++) {
                names.add(Integer.toString(i));
            }
            classes = ClassList.of(names);
        }
        List<SkippedInput> problems = new ArrayList<>();
        List<Integer> kept = new ArrayList<>();
        Map<String, Integer> byId = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            int label = values[i] & 0xFF;
            if (label >= classes.size()) {
                problems.add(new SkippedInput(labelsFile + "[" + i + "]", BadInputKind.UNKNOWN_LABEL, "label " + label
                        + " is outside the class list (" + classes.size() + " classes, indices 0.."
                        + (classes.size() - 1) + ")"));
            } else if (!tooLarge) {
                kept.add(i);
                byId.put(IdxImages.idOf(i), label);
            }
        }
        if (!problems.isEmpty()) {
            if (options.badInput() == BadInputPolicy.FAIL) {
                throw new BadInputException(problems);
            }
            problems.forEach(report::add);
            LOG.warn("IDX {}: skipped {} example(s) (policy SKIP): {}", imagesFile, problems.size(), report.summary());
        }
        UnlabeledImages view = new IdxImages(images, kept.stream().mapToInt(Integer::intValue).toArray(),
                options.badInput(), report);
        EvaluationLabels eval = classes == null ? null : new EvaluationLabels(classes, byId);
        return new ImageSource(view, eval, classes, List.of());
    }
}
