package org.coft.datavec.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens image sources. Every method checks the whole source up front (see {@link Verification}) and applies
 * the {@link org.coft.datavec.BadInputPolicy}: under FAIL a {@link org.coft.datavec.BadInputException} lists
 * every bad input found; under SKIP they are left out and listed in the source's
 * {@link org.coft.datavec.SkipReport}.
 */
public final class ImageSources {

    private ImageSources() {
    }

    /**
     * A folder of images, recursively, in order of relative path (ids are relative paths with {@code /}).
     * When every image lies in a first-level sub-folder, the sub-folder names are the labels.
     *
     * @param dir     the folder
     * @param options policy, class list, verification
     * @return the source
     * @throws IOException if the folder does not exist or cannot be listed
     */
    public static ImageSource folder(Path dir, SourceOptions options) throws IOException {
        return FolderLister.open(dir, options);
    }

    /**
     * A CSV manifest {@code path[,label]}; relative paths are resolved against the manifest's folder.
     *
     * @param manifest the CSV file
     * @param options  policy, class list, verification
     * @return the source
     * @throws IOException if the manifest cannot be read
     */
    public static ImageSource csv(Path manifest, SourceOptions options) throws IOException {
        return CsvManifestReader.open(manifest, options);
    }

    /**
     * IDX files in the MNIST / Fashion-MNIST layout, gzipped or not. Ids are {@code idx:<index>}.
     *
     * @param images  the images file ({@code [count, rows, cols]} unsigned bytes)
     * @param labels  the labels file ({@code [count]} unsigned bytes), or {@code null} for unlabelled use
     * @param options policy and class list (verification does not apply: the files are read whole)
     * @return the source
     * @throws IOException              if a file cannot be read
     * @throws IllegalArgumentException if a file is not a valid IDX file of the expected shape
     */
    public static ImageSource idx(Path images, Path labels, SourceOptions options) throws IOException {
        return IdxSourceReader.open(images, labels, options);
    }

    /**
     * Opens a source from a command-line style spec: a folder path, a path ending in {@code .csv}, or
     * {@code idx:IMAGES[,LABELS]}.
     *
     * @param spec    the spec
     * @param options policy, class list, verification
     * @return the source
     * @throws IOException              if the source cannot be read
     * @throws IllegalArgumentException if the spec is none of the three forms
     */
    public static ImageSource open(String spec, SourceOptions options) throws IOException {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("data source: empty (expected a folder, a .csv manifest or "
                    + "idx:IMAGES[,LABELS])");
        }
        if (spec.startsWith("idx:")) {
            String[] parts = spec.substring(4).split(",", -1);
            if (parts.length > 2 || parts[0].isBlank() || (parts.length == 2 && parts[1].isBlank())) {
                throw new IllegalArgumentException("data source '" + spec + "': expected idx:IMAGES[,LABELS]");
            }
            return idx(Path.of(parts[0]), parts.length == 2 ? Path.of(parts[1]) : null, options);
        }
        Path path = Path.of(spec);
        if (Files.isDirectory(path)) {
            return folder(path, options);
        }
        if (spec.toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return csv(path, options);
        }
        throw new IllegalArgumentException("data source '" + spec + "': " + (Files.exists(path)
                ? "not a folder and not a .csv manifest" : "does not exist")
                + " (expected a folder, a .csv manifest or idx:IMAGES[,LABELS])");
    }
}
