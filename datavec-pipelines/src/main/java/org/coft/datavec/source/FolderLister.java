package org.coft.datavec.source;

import org.coft.datavec.BadInputKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Lists a folder of images recursively (following symbolic links, skipping hidden files and folders whose
 * names start with a dot), in order of relative path. When every image lies inside a first-level sub-folder,
 * those sub-folders are the classes; a class folder without images is an EMPTY_FOLDER problem.
 */
final class FolderLister {

    private static final Logger LOG = LoggerFactory.getLogger(FolderLister.class);

    /**
     * Extensions treated as images. Formats ImageIO cannot read (webp, heic, ...) are listed on purpose, so
     * that such files are reported as unsupported instead of being ignored.
     */
    static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "jpe", "jfif", "bmp", "dib", "gif",
            "tif", "tiff", "webp", "ppm", "pgm", "pbm", "pnm", "heic", "heif", "avif", "jp2", "ico", "wbmp");

    private FolderLister() {
    }

    static ImageSource open(Path dir, SourceOptions options) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw Files.exists(dir) ? new NotDirectoryException(dir.toString())
                    : new java.nio.file.NoSuchFileException(dir.toString(), null, "image folder does not exist");
        }
        List<String> images = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        TreeMap<String, Integer> subfolders = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
            walk.filter(p -> !p.equals(dir)).forEach(p -> {
                String rel = relative(dir, p);
                if (isHidden(rel)) {
                    return;
                }
                if (Files.isDirectory(p)) {
                    if (!rel.contains("/")) {
                        subfolders.putIfAbsent(rel, 0);
                    }
                } else if (isImageName(rel)) {
                    images.add(rel);
                } else if (Files.isRegularFile(p)) {
                    ignored.add(rel);
                }
            });
        } catch (UncheckedIOException e) {
            throw new IOException("cannot list image folder " + dir + ": " + e.getCause().getMessage(), e.getCause());
        }
        images.sort(Comparator.naturalOrder());
        ignored.sort(Comparator.naturalOrder());
        if (!ignored.isEmpty()) {
            LOG.info("{}: ignored {} file(s) without an image extension, e.g. {}", dir, ignored.size(),
                    ignored.subList(0, Math.min(5, ignored.size())));
        }

        boolean labelled = !images.isEmpty() && images.stream().allMatch(r -> r.contains("/"));
        if (!labelled && images.stream().anyMatch(r -> r.contains("/"))) {
            LOG.info("{}: images lie both in the folder itself and in sub-folders; treating it as unlabelled", dir);
        }
        FileCatalog catalog = new FileCatalog("folder " + dir);
        if (images.isEmpty()) {
            catalog.sourceProblem(dir.toString(), BadInputKind.EMPTY_FOLDER, "no image files found (extensions: "
                    + String.join(", ", new java.util.TreeSet<>(IMAGE_EXTENSIONS)) + ")");
        }
        for (String rel : images) {
            String label = labelled ? rel.substring(0, rel.indexOf('/')) : null;
            if (label != null) {
                subfolders.merge(label, 1, Integer::sum);
            }
            Path file = dir.resolve(rel);
            catalog.add(new FileCatalog.Candidate(rel, file, label, file.toString()));
        }
        if (labelled) {
            subfolders.forEach((name, count) -> {
                if (count == 0) {
                    catalog.sourceProblem(dir.resolve(name).toString(), BadInputKind.EMPTY_FOLDER,
                            "class folder '" + name + "' holds no image files");
                }
            });
        }
        return catalog.build(labelled, options, ignored);
    }

    static boolean isImageName(String name) {
        int dot = name.lastIndexOf('.');
        return dot >= 0 && dot > name.lastIndexOf('/')
                && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static boolean isHidden(String rel) {
        return rel.startsWith(".") || rel.contains("/.");
    }

    private static String relative(Path dir, Path p) {
        return dir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
    }
}
