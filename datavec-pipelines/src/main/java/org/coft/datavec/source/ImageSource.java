package org.coft.datavec.source;

import org.coft.datavec.SkipReport;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An opened image source. Hand {@link #images()} to training code and {@link #evaluationLabels()} to
 * evaluation code; the two share only example ids. Created by {@link ImageSources}.
 */
public final class ImageSource {

    private final UnlabeledImages images;
    private final EvaluationLabels labels;
    private final ClassList classes;
    private final List<String> ignoredFiles;

    ImageSource(UnlabeledImages images, EvaluationLabels labels, ClassList classes, List<String> ignoredFiles) {
        this.images = Objects.requireNonNull(images, "images");
        this.labels = labels;
        this.classes = classes;
        this.ignoredFiles = List.copyOf(ignoredFiles);
    }

    /** @return the training-path view: ids and pixels, no labels */
    public UnlabeledImages images() {
        return images;
    }

    /** @return the evaluation-only labels, when the source has labels (class folders, a label column, IDX labels) */
    public Optional<EvaluationLabels> evaluationLabels() {
        return Optional.ofNullable(labels);
    }

    /**
     * @return the task's class names: the configured {@code classes.txt}, or the names derived from a labelled
     * source; empty for an unlabelled source opened without a class list
     */
    public Optional<ClassList> classes() {
        return Optional.ofNullable(classes);
    }

    /** @return inputs left out under SKIP (shared with the iterators reading {@link #images()}) */
    public SkipReport skipReport() {
        return images.skipReport();
    }

    /**
     * @return files in a folder source that were not considered because their extension is not an image one
     * (for example {@code classes.txt}, {@code README.md}); relative paths
     */
    public List<String> ignoredFiles() {
        return ignoredFiles;
    }

    @Override
    public String toString() {
        return "ImageSource[" + images.description() + (labels != null ? ", labelled" : ", unlabelled") + "]";
    }
}
