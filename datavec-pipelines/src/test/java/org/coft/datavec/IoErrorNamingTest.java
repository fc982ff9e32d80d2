package org.coft.datavec;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.image.ClipImagePreprocessor;
import org.coft.datavec.image.ImageDecodeException;
import org.coft.datavec.image.ImageDecoder;
import org.coft.datavec.iterate.ImageRecordMetaData;
import org.coft.datavec.iterate.ImageRecordReader;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.Verification;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every I/O error this module raises names the file it was reading. */
class IoErrorNamingTest {

    @TempDir
    Path dir;

    private static void assertNames(Path file, Exception e) {
        assertTrue(e.getMessage() != null && e.getMessage().contains(file.toString()),
                "names " + file + ": " + e.getMessage());
    }

    @Test
    void truncatedPngAndJpegNameTheirFile() throws Exception {
        Path png = TestImages.truncate(TestImages.png(dir.resolve("cut.png"), 40, 30, 1), 0.6);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(png));
        assertNames(png, e);
        assertEquals(BadInputKind.UNREADABLE_IMAGE, e.kind());
        assertEquals(png, e.file().orElseThrow());
        assertTrue(!e.reason().contains(png.toString()), "reason() leaves the name to the caller: " + e.reason());

        Path jpg = TestImages.truncate(TestImages.jpeg(dir.resolve("cut.jpg"), 200, 150, 1), 0.7);
        e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(jpg));
        assertNames(jpg, e);
        assertTrue(e.getMessage().contains("corrupt or truncated jpeg data"), e.getMessage());

        Path header = TestImages.png(dir.resolve("head.png"), 40, 30, 1);
        Files.write(header, Arrays.copyOf(Files.readAllBytes(header), 20)); // cut inside IHDR
        assertNames(header, assertThrows(ImageDecodeException.class, () -> ImageDecoder.probe(header)));
    }

    @Test
    void missingAndUnreadableFilesNameTheirFile() throws Exception {
        Path missing = dir.resolve("gone.png");
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(missing));
        assertEquals(BadInputKind.MISSING_FILE, e.kind());
        assertNames(missing, e);
        assertNames(missing, assertThrows(ImageDecodeException.class, () -> ImageDecoder.probe(missing)));

        // A folder where a file is expected: reading it fails with a bare "Is a directory".
        Path folder = Files.createDirectories(dir.resolve("folder.png"));
        e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(folder));
        assertEquals(BadInputKind.UNREADABLE_IMAGE, e.kind());
        assertNames(folder, e);
    }

    @Test
    void permissionDeniedNamesTheFile() throws Exception {
        Path png = TestImages.png(dir.resolve("locked.png"), 8, 8, 1);
        Files.setPosixFilePermissions(png, PosixFilePermissions.fromString("---------"));
        try {
            Assumptions.assumeFalse(Files.isReadable(png), "running as root: permissions are not enforced");
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(png));
            assertEquals(BadInputKind.UNREADABLE_IMAGE, e.kind());
            assertNames(png, e);
            assertNames(png, assertThrows(ImageDecodeException.class, () -> ImageDecoder.probe(png)));
        } finally {
            Files.setPosixFilePermissions(png, PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void preprocessorRefusalNamesTheFile() throws Exception {
        Path gray = TestImages.grayPng(dir.resolve("gray.png"), 8, 8, 1);
        PreprocessConfig d = PreprocessConfig.clipDefault(8);
        PreprocessConfig noConvert = new PreprocessConfig(d.resizeMode(), d.imageSize(), d.resizeHeight(),
                d.resizeWidth(), d.doCenterCrop(), d.cropHeight(), d.cropWidth(), d.doNormalize(), d.mean(), d.std(),
                d.interpolation(), false);
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> new ClipImagePreprocessor(noConvert).load(gray));
        assertEquals(BadInputKind.UNSUPPORTED_FORMAT, e.kind());
        assertNames(gray, e);
    }

    @Test
    void truncatedOrCorruptGzippedIdxNamesTheFile() throws Exception {
        byte[] data = new byte[5 * 28 * 28];
        new java.util.Random(1).nextBytes(data); // incompressible, so a cut lands inside the deflate data
        Path gz = TestImages.idx(dir.resolve("cut-images-idx3-ubyte.gz"), new int[] {5, 28, 28}, data, true);
        byte[] all = Files.readAllBytes(gz);
        Files.write(gz, Arrays.copyOf(all, all.length / 2));
        IOException e = assertThrows(IOException.class, () -> ImageSources.idx(gz, null, SourceOptions.defaults()));
        assertNames(gz, e);

        Path corrupt = TestImages.idx(dir.resolve("bad-images-idx3-ubyte.gz"), new int[] {5, 28, 28}, data, true);
        byte[] bytes = Files.readAllBytes(corrupt);
        for (int i = 20; i < 60; i++) {
            bytes[i] ^= (byte) 0x5A;
        }
        Files.write(corrupt, bytes);
        Exception c = assertThrows(Exception.class, () -> ImageSources.idx(corrupt, null, SourceOptions.defaults()));
        assertTrue(c instanceof IOException || c instanceof IllegalArgumentException, c.toString());
        assertNames(corrupt, c);

        Path missing = dir.resolve("none.idx");
        assertNames(missing, assertThrows(IOException.class,
                () -> ImageSources.idx(missing, null, SourceOptions.defaults())));
    }

    @Test
    void nonUtf8ManifestAndClassListNameTheirFile() throws Exception {
        TestImages.png(dir.resolve("a.png"), 8, 8, 1);
        Path csv = Files.write(dir.resolve("latin1.csv"), "a.png,caf\u00e9\n".getBytes("ISO-8859-1"));
        assertNames(csv, assertThrows(IOException.class, () -> ImageSources.csv(csv, SourceOptions.defaults())));
        Path classes = Files.write(dir.resolve("classes.txt"), "caf\u00e9\n".getBytes("ISO-8859-1"));
        assertNames(classes, assertThrows(IOException.class, () -> ClassList.fromFile(classes)));
    }

    @Test
    void recordReaderReloadNamesTheFileOnce() throws Exception {
        TestImages.png(dir.resolve("a.png"), 12, 10, 1);
        ImageSource src = ImageSources.folder(dir, SourceOptions.defaults().withVerification(Verification.EXISTS));
        Path file = dir.resolve("a.png");
        TestImages.truncate(file, 0.6);
        ImageRecordReader reader = new ImageRecordReader(src.images(), PreprocessConfig.clipDefault(8), 1);
        IOException e = assertThrows(IOException.class,
                () -> reader.loadFromMetaData(new ImageRecordMetaData("a.png", 0, file.toString())));
        assertNames(file, e);
        assertEquals(e.getMessage().indexOf(file.toString()), e.getMessage().lastIndexOf(file.toString()),
                "named once: " + e.getMessage());
    }
}
