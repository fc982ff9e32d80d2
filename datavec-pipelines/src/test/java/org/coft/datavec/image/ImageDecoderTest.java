package org.coft.datavec.image;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.BadInputKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Colour layouts the fixtures do not cover, converted as Pillow's convert("RGB") would. */
class ImageDecoderTest {

    @TempDir
    Path dir;

    private static byte[] encode(BufferedImage img, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "writer for " + format);
        return out.toByteArray();
    }

    @Test
    void sixteenBitGreyKeepsTheHighByte() throws Exception {
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        img.getRaster().setSample(0, 0, 0, 0x12FF);
        img.getRaster().setSample(1, 0, 0, 0xFF00);
        img.getRaster().setSample(2, 0, 0, 0x0080);
        DecodedImage d = ImageDecoder.decode(encode(img, "png"));
        assertEquals(DecodedImage.ColourLayout.GRAY, d.layout());
        assertEquals(0x12, d.image().sample(0, 0, 0));
        assertEquals(0xFF, d.image().sample(1, 0, 1));
        assertEquals(0x00, d.image().sample(2, 0, 2));
    }

    @Test
    void twoBitPaletteAndAlphaAreConverted() throws Exception {
        byte[] r = {0, (byte) 255, 10, 20};
        byte[] g = {0, 0, (byte) 200, 30};
        byte[] b = {0, 0, 30, (byte) 240};
        BufferedImage pal = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(2, 4, r, g, b));
        for (int x = 0; x < 4; x++) {
            pal.getRaster().setSample(x, 0, 0, x);
        }
        DecodedImage d = ImageDecoder.decode(encode(pal, "png"));
        assertEquals(DecodedImage.ColourLayout.PALETTE, d.layout());
        assertEquals(200, d.image().sample(2, 0, 1));
        assertEquals(240, d.image().sample(3, 0, 2));

        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00_11_22_33);  // fully transparent: colour kept, alpha dropped (no compositing)
        argb.setRGB(1, 0, 0x80_40_50_60);
        DecodedImage a = ImageDecoder.decode(encode(argb, "png"));
        assertEquals(DecodedImage.ColourLayout.RGB_ALPHA, a.layout());
        assertEquals(0x11, a.image().sample(0, 0, 0));
        assertEquals(0x33, a.image().sample(0, 0, 2));
        assertEquals(0x50, a.image().sample(1, 0, 1));
    }

    @Test
    void bmpIsReadInRgbOrder() throws Exception {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_3BYTE_BGR);
        img.setRGB(1, 1, 0x0A_14_1E);
        DecodedImage d = ImageDecoder.decode(encode(img, "bmp"));
        assertEquals("bmp", d.format());
        assertEquals(0x0A, d.image().sample(1, 1, 0));
        assertEquals(0x14, d.image().sample(1, 1, 1));
        assertEquals(0x1E, d.image().sample(1, 1, 2));
    }

    @Test
    void convertRgbFalseRejectsNonRgb() throws Exception {
        PreprocessConfig c = PreprocessConfig.clipDefault(8);
        PreprocessConfig strict = new PreprocessConfig(c.resizeMode(), 8, 0, 0, true, 8, 8, true, c.mean(), c.std(),
                c.interpolation(), false);
        BufferedImage gray = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        DecodedImage d = ImageDecoder.decode(encode(gray, "png"));
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> new ClipImagePreprocessor(strict).accept(d));
        assertEquals(BadInputKind.UNSUPPORTED_FORMAT, e.kind());
        assertTrue(e.getMessage().contains("convertRgb=false"), e.getMessage());
    }

    @Test
    void probeReadsHeaderOnly() throws Exception {
        Path file = dir.resolve("x.png");
        ImageIO.write(new BufferedImage(7, 5, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
        ImageDecoder.ImageInfo info = ImageDecoder.probe(file);
        assertEquals(new ImageDecoder.ImageInfo("png", 7, 5), info);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.probe(dir.resolve("no.png")));
        assertEquals(BadInputKind.MISSING_FILE, e.kind());
    }
}
