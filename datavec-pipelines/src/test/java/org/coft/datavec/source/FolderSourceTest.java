package org.coft.datavec.source;

import org.coft.datavec.TestImages;
import org.coft.datavec.image.DecodedImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FolderSourceTest {

    @TempDir
    Path dir;

    @Test
    void classFoldersGiveLabelsAndIdsAreSortedRelativePaths() throws Exception {
        TestImages.png(dir.resolve("dog/b.png"), 20, 10, 1);
        TestImages.jpeg(dir.resolve("dog/a.jpg"), 30, 40, 2);
        TestImages.png(dir.resolve("cat/nested/deep/x.png"), 8, 8, 3);
        TestImages.grayPng(dir.resolve("cat/c.PNG"), 9, 7, 4);
        Files.writeString(dir.resolve("README.md"), "not an image");
        TestImages.png(dir.resolve(".hidden/ignored.png"), 4, 4, 5);

        ImageSource src = ImageSources.folder(dir, SourceOptions.defaults());
        UnlabeledImages images = src.images();
        assertEquals(List.of("cat/c.PNG", "cat/nested/deep/x.png", "dog/a.jpg", "dog/b.png"), images.ids());
        assertEquals(List.of("README.md"), src.ignoredFiles());
        EvaluationLabels labels = src.evaluationLabels().orElseThrow();
        assertEquals(List.of("cat", "dog"), labels.classes().names());
        assertEquals(0, labels.labelOf("cat/nested/deep/x.png"));
        assertEquals(1, labels.labelOf("dog/a.jpg"));
        DecodedImage d = images.load(2);
        assertEquals(30, d.image().width());
        assertEquals(40, d.image().height());
        assertEquals(DecodedImage.ColourLayout.GRAY, images.load(0).layout());
        assertTrue(src.skipReport().isEmpty());
    }

    @Test
    void classesTxtFixesLabelOrder() throws Exception {
        TestImages.png(dir.resolve("data/dog/1.png"), 4, 4, 1);
        TestImages.png(dir.resolve("data/cat/1.png"), 4, 4, 2);
        Path classes = Files.writeString(dir.resolve("classes.txt"), "\uFEFFdog\n\ncat\nbird\n");
        ImageSource src = ImageSources.folder(dir.resolve("data"),
                SourceOptions.defaults().withClasses(ClassList.fromFile(classes)));
        EvaluationLabels labels = src.evaluationLabels().orElseThrow();
        assertEquals(List.of("dog", "cat", "bird"), labels.classes().names());
        assertEquals(1, labels.labelOf("cat/1.png"));
        assertEquals(0, labels.labelOf("dog/1.png"));
        assertEquals(List.of(1, 0), Arrays.stream(labels.labelsOf(List.of("cat/1.png", "dog/1.png"))).boxed()
                .toList());
        assertEquals(1f, labels.oneHot(List.of("cat/1.png")).getFloat(0, 1));
    }

    @Test
    void flatFolderIsUnlabelled() throws Exception {
        TestImages.png(dir.resolve("b.png"), 4, 4, 1);
        TestImages.png(dir.resolve("a.png"), 4, 4, 2);
        TestImages.png(dir.resolve("sub/c.png"), 4, 4, 3);
        ImageSource src = ImageSources.folder(dir, SourceOptions.defaults());
        assertEquals(List.of("a.png", "b.png", "sub/c.png"), src.images().ids());
        assertTrue(src.evaluationLabels().isEmpty());
        assertTrue(src.classes().isEmpty());
    }

    @Test
    void unlabelledViewHasNoLabelAccessor() {
        for (Method m : UnlabeledImages.class.getMethods()) {
            String name = m.getName().toLowerCase(Locale.ROOT);
            assertFalse(name.contains("label") || name.contains("class"), "UnlabeledImages exposes " + m);
            assertFalse(m.getReturnType() == EvaluationLabels.class || m.getReturnType() == ImageSource.class,
                    "UnlabeledImages leads back to labels via " + m);
        }
    }

    @Test
    void classListValidation() throws Exception {
        Path dup = Files.writeString(dir.resolve("classes.txt"), "a\nb\na\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClassList.fromFile(dup));
        assertTrue(e.getMessage().contains("classes.txt") && e.getMessage().contains("'a' appears twice"),
                e.getMessage());
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n");
        assertThrows(IllegalArgumentException.class, () -> ClassList.fromFile(empty));
        assertThrows(IllegalArgumentException.class, () -> ClassList.of(List.of("a")).name(1));
    }

    @Test
    void openSpecDispatches() throws Exception {
        TestImages.png(dir.resolve("imgs/a.png"), 4, 4, 1);
        Files.writeString(dir.resolve("m.csv"), "imgs/a.png\n");
        assertEquals(1, ImageSources.open(dir.resolve("imgs").toString(), SourceOptions.defaults()).images().size());
        assertEquals(List.of("imgs/a.png"),
                ImageSources.open(dir.resolve("m.csv").toString(), SourceOptions.defaults()).images().ids());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageSources.open(dir.resolve("nope").toString(), SourceOptions.defaults()));
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains("idx:IMAGES[,LABELS]"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageSources.open("idx:", SourceOptions.defaults()));
        assertThrows(java.nio.file.NoSuchFileException.class,
                () -> ImageSources.folder(dir.resolve("missing"), SourceOptions.defaults()));
    }
}
