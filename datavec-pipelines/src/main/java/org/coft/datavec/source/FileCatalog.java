package org.coft.datavec.source;

import org.coft.datavec.BadInputException;
import org.coft.datavec.BadInputKind;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.SkipReport;
import org.coft.datavec.SkippedInput;
import org.coft.datavec.image.ImageDecodeException;
import org.coft.datavec.image.ImageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Turns the files a folder or manifest lists into an {@link ImageSource}: checks ids for duplicates, resolves
 * label names against the class list, verifies files, applies the bad-input policy (all problems are
 * collected first, so a FAIL names every bad file at once), and splits the result into the unlabelled view
 * and the evaluation labels.
 */
final class FileCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(FileCatalog.class);

    /**
     * One listed example before checks.
     *
     * @param id       stable id
     * @param file     resolved file
     * @param label    label name, or null when the source has no labels
     * @param location where it was listed (file path, or manifest file and line), for messages
     */
    record Candidate(String id, Path file, String label, String location) {
    }

    private final String description;
    private final List<Candidate> candidates = new ArrayList<>();
    private final Map<Integer, SkippedInput> problems = new LinkedHashMap<>();
    private final List<SkippedInput> sourceProblems = new ArrayList<>();
    private final Map<String, Integer> firstById = new HashMap<>();

    FileCatalog(String description) {
        this.description = description;
    }

    /** Adds an example; a repeated id is a DUPLICATE_ID problem. */
    void add(Candidate c) {
        candidates.add(c);
        Integer first = firstById.putIfAbsent(c.id(), candidates.size() - 1);
        if (first != null) {
            problem(candidates.size() - 1, BadInputKind.DUPLICATE_ID, "id '" + c.id() + "' already listed at "
                    + candidates.get(first).location());
        }
    }

    /** Records a problem not tied to one listed example (malformed row, empty folder). */
    void sourceProblem(String location, BadInputKind kind, String reason) {
        sourceProblems.add(new SkippedInput(location, kind, reason));
    }

    private void problem(int index, BadInputKind kind, String reason) {
        problems.putIfAbsent(index, new SkippedInput(candidates.get(index).location(), kind, reason));
    }

    /**
     * @param labelled     whether every example carries a label name
     * @param options      policy, class list, verification
     * @param ignoredFiles files not considered (reported, not bad)
     * @return the source
     * @throws BadInputException under FAIL when anything is wrong
     */
    ImageSource build(boolean labelled, SourceOptions options, List<String> ignoredFiles) {
        ClassList configured = options.classes();
        if (labelled && configured != null) {
            for (int i = 0; i < candidates.size(); i++) {
                String label = candidates.get(i).label();
                if (configured.indexOf(label).isEmpty()) {
                    problem(i, BadInputKind.UNKNOWN_LABEL, "label '" + label + "' is not in the class list ("
                            + configured.size() + " classes: " + abbreviate(configured.names()) + ")");
                }
            }
        }
        verify(options);

        List<SkippedInput> all = new ArrayList<>(sourceProblems);
        all.addAll(problems.values());
        SkipReport report = new SkipReport();
        if (!all.isEmpty()) {
            if (options.badInput() == BadInputPolicy.FAIL) {
                throw new BadInputException(all);
            }
            all.forEach(report::add);
            LOG.warn("{}: skipped {} bad input(s) (policy SKIP): {}", description, all.size(), report.summary());
        }

        List<String> ids = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            if (!problems.containsKey(i)) {
                Candidate c = candidates.get(i);
                ids.add(c.id());
                files.add(c.file());
                labels.add(c.label());
            }
        }
        if (ids.isEmpty()) {
            LOG.warn("{}: no usable images", description);
        }
        FileImages images = new FileImages(description + " (" + ids.size() + " images)", ids, files,
                options.badInput(), report, options.maxPixels());
        if (!labelled) {
            return new ImageSource(images, null, configured, ignoredFiles);
        }
        ClassList classes = configured != null ? configured
                : labels.isEmpty() ? null : ClassList.of(new ArrayList<>(new TreeSet<>(labels)));
        if (classes == null) {
            return new ImageSource(images, null, null, ignoredFiles);
        }
        Map<String, Integer> byId = new LinkedHashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            OptionalInt label = classes.indexOf(labels.get(i));
            byId.put(ids.get(i), label.orElseThrow());
        }
        return new ImageSource(images, new EvaluationLabels(classes, byId), classes, ignoredFiles);
    }

    private void verify(SourceOptions options) {
        int n = candidates.size();
        SkippedInput[] found = new SkippedInput[n];
        BitSet toCheck = new BitSet(n);
        for (int i = 0; i < n; i++) {
            if (!problems.containsKey(i)) {
                toCheck.set(i);
            }
        }
        ForkJoinPool pool = new ForkJoinPool(options.threads());
        try {
            pool.submit(() -> IntStream.range(0, n).parallel().filter(toCheck::get)
                    .forEach(i -> found[i] = check(candidates.get(i), options))).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking " + description, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("checking " + description + " failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdown();
        }
        for (int i = 0; i < n; i++) {
            if (found[i] != null) {
                problems.put(i, found[i]);
            }
        }
    }

    private static SkippedInput check(Candidate c, SourceOptions options) {
        try {
            switch (options.verification()) {
                case EXISTS -> {
                    if (!Files.isRegularFile(c.file())) {
                        return new SkippedInput(c.location(), BadInputKind.MISSING_FILE, "file does not exist");
                    }
                }
                case HEADER -> ImageDecoder.probe(c.file(), options.maxPixels());
                case FULL -> ImageDecoder.decode(c.file(), options.maxPixels());
            }
            return null;
        } catch (ImageDecodeException e) {
            return new SkippedInput(c.location(), e.kind(), e.reason());
        }
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 10 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 10)) + ", ... (" + (names.size() - 10) + " more)";
    }
}
