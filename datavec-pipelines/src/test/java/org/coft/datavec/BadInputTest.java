package org.coft.datavec;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.iterate.ImageBatch;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.Verification;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of bad input, under FAIL (exception naming file and reason) and SKIP (reported, never dropped silently). */
class BadInputTest {

    private static final SourceOptions FAIL = SourceOptions.defaults();
    private static final SourceOptions SKIP = SourceOptions.defaults().withBadInput(BadInputPolicy.SKIP);
    private static final PreprocessConfig CONFIG = PreprocessConfig.clipDefault(16);

    @TempDir
    Path dir;

    private Path good(String rel) throws Exception {
        return TestImages.png(dir.resolve(rel), 12, 10, rel.hashCode());
    }

    /** Asserts FAIL names the file and kind, and SKIP keeps the good images and reports the bad one. */
    private void assertPolicy(Path root, String badName, BadInputKind kind, String reasonPart, int goodCount,
                              SourceOptions base) throws Exception {
        BadInputException e = assertThrows(BadInputException.class, () -> open(root, base));
        assertTrue(e.getMessage().contains(badName), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(reasonPart), "message gives the reason: " + e.getMessage());
        assertEquals(kind, e.problems().get(0).kind(), e.getMessage());

        ImageSource src = open(root, base.withBadInput(BadInputPolicy.SKIP));
        assertEquals(goodCount, src.images().size());
        assertEquals(1, src.skipReport().count(), src.skipReport().summary());
        SkippedInput skipped = src.skipReport().entries().get(0);
        assertEquals(kind, skipped.kind());
        assertTrue(skipped.location().contains(badName), skipped.toString());
        assertEquals(goodCount, drain(src).size(), "iteration continues over the good images");
    }

    private static ImageSource open(Path root, SourceOptions options) throws Exception {
        return root.toString().endsWith(".csv") ? ImageSources.csv(root, options) : ImageSources.folder(root, options);
    }

    private static List<String> drain(ImageSource src) {
        return TestImages.drain(src, CONFIG);
    }

    @Test
    void truncatedPngFoundAtOpenWithFullVerification() throws Exception {
        good("a.png");
        good("c.png");
        TestImages.truncate(good("b.png"), 0.6);
        assertPolicy(dir, "b.png", BadInputKind.UNREADABLE_IMAGE, "cannot decode", 2,
                FAIL.withVerification(Verification.FULL));
    }

    @Test
    void truncatedJpegIsAnErrorNotAGreyImage() throws Exception {
        good("a.png");
        // Cut inside the entropy-coded data: Java's JPEG reader only warns ("premature end"), and would return a
        // partly grey image; the decoder turns the warning into an error, like Pillow's default.
        TestImages.truncate(TestImages.jpeg(dir.resolve("b.jpg"), 200, 150, 1), 0.7);
        assertPolicy(dir, "b.jpg", BadInputKind.UNREADABLE_IMAGE, "corrupt or truncated jpeg data", 1,
                FAIL.withVerification(Verification.FULL));
        // a cut inside the headers is an outright decoding error
        TestImages.truncate(TestImages.jpeg(dir.resolve("b.jpg"), 40, 30, 1), 0.5);
        assertPolicy(dir, "b.jpg", BadInputKind.UNREADABLE_IMAGE, "cannot decode", 1,
                FAIL.withVerification(Verification.FULL));
    }

    @Test
    void unsupportedFormats() throws Exception {
        good("a.png");
        Files.writeString(dir.resolve("b.webp"), "RIFF\u0000\u0000\u0000\u0000WEBPVP8 fake");
        assertPolicy(dir, "b.webp", BadInputKind.UNSUPPORTED_FORMAT, "unsupported or unrecognised image format", 1,
                FAIL);
    }

    @Test
    void textFileWithImageExtension() throws Exception {
        good("a.png");
        Files.writeString(dir.resolve("notes.jpg"), "just some text");
        assertPolicy(dir, "notes.jpg", BadInputKind.UNSUPPORTED_FORMAT, "unrecognised", 1, FAIL);
    }

    @Test
    void cmykJpegIsUnsupported() throws Exception {
        good("a.png");
        Files.copy(Path.of("..", "fixtures", "preprocess", "bad_cmyk_16x16.jpg"), dir.resolve("cmyk.jpg"));
        assertPolicy(dir, "cmyk.jpg", BadInputKind.UNSUPPORTED_FORMAT, "colour space", 1,
                FAIL.withVerification(Verification.FULL));
    }

    @Test
    void emptyFile() throws Exception {
        good("a.png");
        Files.write(dir.resolve("zero.png"), new byte[0]);
        assertPolicy(dir, "zero.png", BadInputKind.UNREADABLE_IMAGE, "empty file", 1, FAIL);
    }

    @Test
    void emptyClassFolder() throws Exception {
        good("cat/a.png");
        good("dog/b.png");
        Files.createDirectories(dir.resolve("bird"));
        Files.writeString(dir.resolve("bird/readme.txt"), "no images here");
        assertPolicy(dir, "bird", BadInputKind.EMPTY_FOLDER, "holds no image files", 2, FAIL);
        ImageSource src = ImageSources.folder(dir, SKIP);
        assertEquals(List.of("cat", "dog"), src.classes().orElseThrow().names(), "skipped class is not a class");
    }

    @Test
    void emptyRootFolder() throws Exception {
        Files.writeString(dir.resolve("readme.txt"), "nothing");
        BadInputException e = assertThrows(BadInputException.class, () -> ImageSources.folder(dir, FAIL));
        assertEquals(BadInputKind.EMPTY_FOLDER, e.problems().get(0).kind());
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("no image files"),
                e.getMessage());
        ImageSource src = ImageSources.folder(dir, SKIP);
        assertEquals(0, src.images().size());
        assertEquals(1, src.skipReport().count());
        assertTrue(drain(src).isEmpty());
    }

    @Test
    void missingManifestEntry() throws Exception {
        good("imgs/a.png");
        Path csv = Files.writeString(dir.resolve("m.csv"), "imgs/a.png\nimgs/gone.png\n");
        assertPolicy(csv, "gone.png", BadInputKind.MISSING_FILE, "does not exist", 1, FAIL);
        // existence is checked even at the lowest verification level
        assertPolicy(csv, "m.csv:2", BadInputKind.MISSING_FILE, "does not exist", 1,
                FAIL.withVerification(Verification.EXISTS));
    }

    @Test
    void unknownLabelInFolderAndManifest() throws Exception {
        good("cat/a.png");
        good("dog/b.png");
        good("cow/c.png");
        SourceOptions classes = FAIL.withClasses(ClassList.of(List.of("cat", "dog")));
        assertPolicy(dir, "c.png", BadInputKind.UNKNOWN_LABEL, "label 'cow' is not in the class list", 2, classes);

        Path csv = Files.writeString(dir.resolve("m.csv"), "cat/a.png,cat\ncow/c.png,horse\n");
        assertPolicy(csv, "m.csv:2", BadInputKind.UNKNOWN_LABEL, "label 'horse'", 1, classes);
    }

    @Test
    void malformedManifestRows() throws Exception {
        good("a.png");
        Path csv = Files.writeString(dir.resolve("m.csv"), "a.png,cat\nb.png,dog,extra\n");
        assertPolicy(csv, "m.csv:2", BadInputKind.MALFORMED_ENTRY, "expected 2 field(s)", 1, FAIL);
        Path csv2 = Files.writeString(dir.resolve("n.csv"), "a.png,cat\n\"b.png,dog\n");
        assertPolicy(csv2, "n.csv:2", BadInputKind.MALFORMED_ENTRY, "unbalanced double quote", 1, FAIL);
        Path csv3 = Files.writeString(dir.resolve("o.csv"), "path,label\na.png,cat\nb.png,\n");
        assertPolicy(csv3, "o.csv:3", BadInputKind.MALFORMED_ENTRY, "empty label", 1, FAIL);
    }

    @Test
    void duplicateIds() throws Exception {
        good("a.png");
        Path csv = Files.writeString(dir.resolve("m.csv"), "a.png\n./a.png\n");
        assertPolicy(csv, "m.csv:2", BadInputKind.DUPLICATE_ID, "already listed at", 1, FAIL);
    }

    @Test
    void failAtOpenListsEveryBadFile() throws Exception {
        good("a.png");
        Files.write(dir.resolve("b.png"), new byte[0]);
        Files.writeString(dir.resolve("c.gif"), "nope");
        BadInputException e = assertThrows(BadInputException.class, () -> ImageSources.folder(dir, FAIL));
        assertEquals(2, e.problems().size());
        assertTrue(e.getMessage().contains("b.png") && e.getMessage().contains("c.gif"), e.getMessage());
    }

    @Test
    void corruptDataFoundWhileIteratingFollowsPolicy() throws Exception {
        for (int i = 0; i < 5; i++) {
            good("img" + i + ".png");
        }
        TestImages.truncate(dir.resolve("img2.png"), 0.6);

        ImageSource failing = ImageSources.folder(dir, FAIL); // header check passes, data is cut
        try (ImageBatchIterator it = ImageBatchIterator.builder(failing.images(), CONFIG).batchSize(2).threads(2)
                .build()) {
            assertEquals(List.of("img0.png", "img1.png"), it.nextBatch().ids());
            BadInputException e = assertThrows(BadInputException.class, it::nextBatch);
            assertTrue(e.getMessage().contains("img2.png"), e.getMessage());
            assertThrows(IllegalStateException.class, it::nextBatch);
            it.reset();
            assertEquals(List.of("img0.png", "img1.png"), it.nextBatch().ids(), "reset starts over");
        }

        ImageSource skipping = ImageSources.folder(dir, SKIP);
        try (ImageBatchIterator it = ImageBatchIterator.builder(skipping.images(), CONFIG).batchSize(2).threads(3)
                .build()) {
            for (int epoch = 0; epoch < 2; epoch++) {
                List<ImageBatch> batches = new ArrayList<>();
                while (it.hasNext()) {
                    batches.add(it.nextBatch());
                }
                assertEquals(List.of("img0.png", "img1.png"), batches.get(0).ids());
                assertEquals(List.of("img3.png", "img4.png"), batches.get(1).ids(), "batch refilled past the bad one");
                assertEquals(2, batches.size());
                it.reset();
            }
            assertEquals(1, it.skipReport().count(), "reported once, not once per epoch");
            assertTrue(it.skipReport().summary().contains("img2.png"));
            assertFalse(skipping.skipReport().isEmpty(), "the source's report is the same object");
        }
    }

    @Test
    void policyParsing() {
        assertEquals(BadInputPolicy.SKIP, BadInputPolicy.parse(" Skip "));
        assertEquals(BadInputPolicy.FAIL, BadInputPolicy.defaultPolicy());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BadInputPolicy.parse("ignore"));
        assertTrue(e.getMessage().contains("[fail, skip]"), e.getMessage());
    }
}
