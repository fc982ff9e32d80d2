package org.coft.datavec;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.image.ImageDecodeException;
import org.coft.datavec.image.ImageDecoder;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.Verification;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decompression bombs: an image whose header declares more pixels than {@link SourceOptions#maxPixels()} is refused
 * by name from the header alone, under FAIL, and skipped and reported under SKIP.
 */
class PixelBudgetTest {

    private static final SourceOptions FAIL = SourceOptions.defaults();
    private static final SourceOptions SKIP = FAIL.withBadInput(BadInputPolicy.SKIP);
    private static final PreprocessConfig CONFIG = PreprocessConfig.clipDefault(16);

    @TempDir
    Path dir;

    /**
     * A valid PNG of a few dozen bytes whose IHDR declares {@code width x height} 8-bit grey pixels; its IDAT holds
     * one empty row, so a decoder that trusts the header allocates the whole raster before finding the data short.
     */
    static Path bombPng(Path file, int width, int height) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).array()); // 8-bit grey
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(idat)) {
            z.write(new byte[] {0, 0}); // filter byte + one sample
        }
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, bytes.toByteArray());
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt(data.length);
        out.write(name);
        out.write(data);
        out.writeInt((int) crc.getValue());
    }

    private Path good(String rel) throws IOException {
        return TestImages.png(dir.resolve(rel), 12, 10, rel.hashCode());
    }

    private static List<String> drain(ImageSource src) {
        return TestImages.drain(src, CONFIG);
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void tinyPngDeclaringTenGigapixelsIsRefusedFromItsHeader() throws Exception {
        Path bomb = bombPng(dir.resolve("bomb.png"), 100_000, 100_000);
        assertTrue(Files.size(bomb) < 100, "the bomb is tiny: " + Files.size(bomb) + " bytes");
        ImageDecoder.decode(good("warm.png")); // load the ImageIO registry before measuring

        long before = allocatedBytes();
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(bomb));
        long allocated = allocatedBytes() - before;
        assertTrue(allocated < 16L << 20, "refused before any large allocation, allocated " + allocated + " bytes");
        assertEquals(BadInputKind.IMAGE_TOO_LARGE, e.kind());
        assertTrue(e.getMessage().contains(bomb.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("100000x100000 = 10000000000 pixels"), "declared size: " + e.getMessage());
        assertTrue(e.getMessage().contains("budget of " + ImageDecoder.DEFAULT_MAX_PIXELS), "budget: " + e.getMessage());

        e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.probe(bomb));
        assertEquals(BadInputKind.IMAGE_TOO_LARGE, e.kind(), "the header check at open time refuses it too");
        e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(bomb, ImageDecoder.LARGEST_MAX_PIXELS));
        assertEquals(BadInputKind.IMAGE_TOO_LARGE, e.kind(), "no budget admits 10 gigapixels");
    }

    @Test
    void bombInAFolderFailsAtOpenByNameAndIsSkippedUnderSkip() throws Exception {
        good("a.png");
        good("c.png");
        bombPng(dir.resolve("b.png"), 100_000, 100_000);

        BadInputException e = assertThrows(BadInputException.class, () -> ImageSources.folder(dir, FAIL));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertEquals(BadInputKind.IMAGE_TOO_LARGE, e.problems().get(0).kind());
        assertTrue(e.getMessage().contains("b.png") && e.getMessage().contains("100000x100000")
                && e.getMessage().contains("pixel budget of 67108864"), e.getMessage());

        ImageSource src = ImageSources.folder(dir, SKIP);
        assertEquals(List.of("a.png", "c.png"), src.images().ids());
        SkippedInput skipped = src.skipReport().entries().get(0);
        assertEquals(BadInputKind.IMAGE_TOO_LARGE, skipped.kind());
        assertTrue(skipped.location().endsWith("b.png"), skipped.toString());
        assertTrue(!skipped.reason().contains(skipped.location()), "file named once, not twice: " + skipped);
        assertEquals(List.of("a.png", "c.png"), drain(src));
    }

    @Test
    void bombFoundWhileIteratingFollowsPolicy() throws Exception {
        good("a.png");
        bombPng(dir.resolve("b.png"), 100_000, 100_000);
        good("c.png");
        SourceOptions existsOnly = FAIL.withVerification(Verification.EXISTS); // not seen at open time

        ImageSource failing = ImageSources.folder(dir, existsOnly);
        try (ImageBatchIterator it = ImageBatchIterator.builder(failing.images(), CONFIG).batchSize(3).threads(1)
                .build()) {
            BadInputException e = assertThrows(BadInputException.class, it::nextBatch);
            assertEquals(BadInputKind.IMAGE_TOO_LARGE, e.problems().get(0).kind());
            assertTrue(e.getMessage().contains("b.png") && e.getMessage().contains("100000x100000"), e.getMessage());
        }
        ImageSource skipping = ImageSources.folder(dir, existsOnly.withBadInput(BadInputPolicy.SKIP));
        assertEquals(List.of("a.png", "c.png"), drain(skipping));
        assertEquals(1, skipping.skipReport().countsByKind().get(BadInputKind.IMAGE_TOO_LARGE));
    }

    @Test
    void budgetBelowANormalImageRefusesIt() throws Exception {
        Path img = good("normal.png"); // 12x10 = 120 pixels
        for (Verification level : List.of(Verification.HEADER, Verification.FULL)) {
            BadInputException e = assertThrows(BadInputException.class,
                    () -> ImageSources.folder(dir, FAIL.withVerification(level).withMaxPixels(119)));
            assertEquals(BadInputKind.IMAGE_TOO_LARGE, e.problems().get(0).kind(), level.toString());
            assertTrue(e.getMessage().contains("normal.png") && e.getMessage().contains("12x10 = 120 pixels")
                    && e.getMessage().contains("budget of 119"), e.getMessage());
        }
        assertEquals(1, ImageSources.folder(dir, FAIL.withMaxPixels(120)).images().size(), "the budget is inclusive");
        ImageSource skipped = ImageSources.folder(dir, SKIP.withMaxPixels(100));
        assertEquals(0, skipped.images().size());
        assertEquals(BadInputKind.IMAGE_TOO_LARGE, skipped.skipReport().entries().get(0).kind());

        byte[] bytes = Files.readAllBytes(img);
        assertEquals(12, ImageDecoder.decode(bytes, 120).image().width());
        assertEquals(BadInputKind.IMAGE_TOO_LARGE,
                assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(bytes, 119)).kind());
    }

    @Test
    void budgetIsValidated() {
        for (long bad : new long[] {0, -1, ImageDecoder.LARGEST_MAX_PIXELS + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FAIL.withMaxPixels(bad));
            assertTrue(e.getMessage().startsWith("maxPixels: " + bad + " is out of range [1, "), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ImageDecoder.decode(new byte[] {1}, bad));
            assertTrue(e.getMessage().startsWith("maxPixels: "), e.getMessage());
        }
        assertEquals(8192L * 8192L, SourceOptions.defaults().maxPixels());
    }

    @Test
    void idxImagesOverTheBudgetAreRefusedFromTheHeader() throws Exception {
        Path img = TestImages.idx(dir.resolve("img.idx"), new int[] {3, 2, 4}, new byte[24], true);
        Path lab = TestImages.idx(dir.resolve("lab.idx"), new int[] {3}, new byte[] {0, 1, 1}, false);
        BadInputException e = assertThrows(BadInputException.class,
                () -> ImageSources.idx(img, lab, FAIL.withMaxPixels(7)));
        assertEquals(BadInputKind.IMAGE_TOO_LARGE, e.problems().get(0).kind());
        assertTrue(e.getMessage().contains("img.idx") && e.getMessage().contains("2x4 = 8 pixels")
                && e.getMessage().contains("budget of 7"), e.getMessage());

        ImageSource src = ImageSources.idx(img, lab, SKIP.withMaxPixels(7));
        assertEquals(0, src.images().size());
        assertEquals(BadInputKind.IMAGE_TOO_LARGE, src.skipReport().entries().get(0).kind());
        assertTrue(src.evaluationLabels().orElseThrow().asMap().isEmpty());
        assertTrue(drain(src).isEmpty());
        assertEquals(3, ImageSources.idx(img, lab, FAIL.withMaxPixels(8)).images().size());
    }

    @Test
    void idxHeaderDeclaringAHugeCountIsRefusedByNameBeforeReading() throws Exception {
        // 2,000,000 x 28 x 28 = 1.5 GB promised by a file of a few dozen bytes
        int[] huge = {2_000_000, 28, 28};
        Path plain = TestImages.idx(dir.resolve("plain.idx"), huge, new byte[10], false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageSources.idx(plain, null, SKIP));
        assertTrue(e.getMessage().startsWith(plain.toString()) && e.getMessage().contains("[2000000, 28, 28]")
                && e.getMessage().contains("1568000000 bytes") && e.getMessage().contains("refused before reading"),
                e.getMessage());

        Path gz = TestImages.idx(dir.resolve("bomb.idx.gz"), huge, new byte[10], true);
        long before = allocatedBytes();
        e = assertThrows(IllegalArgumentException.class, () -> ImageSources.idx(gz, null, FAIL));
        assertTrue(allocatedBytes() - before < 16L << 20, "nothing large allocated");
        assertTrue(e.getMessage().startsWith(gz.toString()) && e.getMessage().contains("can hold at most")
                && e.getMessage().contains("1032:1"), e.getMessage());

        Path overArray = TestImages.idx(dir.resolve("huge.idx"), new int[] {100_000_000, 28, 28}, new byte[0], true);
        e = assertThrows(IllegalArgumentException.class, () -> ImageSources.idx(overArray, null, FAIL));
        assertTrue(e.getMessage().startsWith(overArray.toString())
                && e.getMessage().contains("largest Java array"), e.getMessage());
    }
}
