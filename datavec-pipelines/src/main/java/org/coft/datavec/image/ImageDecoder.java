package org.coft.datavec.image;

import org.coft.datavec.BadInputKind;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Decodes image files with {@code javax.imageio} (PNG, JPEG, BMP, GIF, and whatever other readers are
 * installed) into 8-bit RGB the way Pillow's {@code Image.open(...).convert("RGB")} does: grey replicated to
 * three channels, palettes looked up, alpha dropped (not composited), 16-bit samples reduced to their high
 * byte, low-bit-depth grey stretched to 0..255. Samples are read from the raster directly so that no colour
 * management is applied (Java would otherwise treat grey as linear and ICC profiles as conversions; Pillow
 * ignores both). GIF: the first frame.
 *
 * <p>Any decoder warning (for example "premature end of JPEG file", which Java's JPEG reader reports instead of
 * failing) is treated as an error, like Pillow's default refusal to load truncated images. CMYK/YCCK and other
 * non-RGB, non-grey colour spaces are unsupported. Thread-safe: each call uses its own reader.
 *
 * <p><b>Pixel budget.</b> Before any pixel is decoded, the width and height the header declares are read
 * ({@code ImageReader.getWidth/getHeight(0)} after {@code setInput} parses only the header for PNG, JPEG, GIF
 * and BMP) and an image declaring more than {@code maxPixels} pixels is refused with
 * {@link BadInputKind#IMAGE_TOO_LARGE}. A few dozen bytes of PNG can declare 100000×100000 pixels, which the
 * decoder would try to allocate (tens of GB) before finding the data missing; the budget refuses it from the
 * header. {@link #probe(Path, long)} applies the same check, so a source opened with header verification refuses
 * such a file at open time. Every exception from the {@code Path} methods names the file.
 */
public final class ImageDecoder {

    /**
     * Default pixel budget: 8192 × 8192 = 67,108,864 pixels (64 Mi). It admits every camera photo in common use
     * (a 61-megapixel full-frame sensor is 9504 × 6336 = 60.2 M) and 8K frames (33 M), while capping what one
     * decode may allocate at 64 Mi × (3 to 8 bytes of decoder raster + 3 bytes of RGB) ≈ 0.4–0.7 GiB per
     * decoding thread. CLIP resizes to 224–336 pixels, so a larger image adds nothing but memory. Pillow's own
     * decompression-bomb error threshold (178,956,970 pixels) would let each thread allocate 2.7 times more.
     */
    public static final long DEFAULT_MAX_PIXELS = 8192L * 8192L;

    /**
     * Largest budget that can be honoured: the decoded RGB bytes ({@code 3 × pixels}) must fit one Java array.
     */
    public static final long LARGEST_MAX_PIXELS = Integer.MAX_VALUE / 3;

    /** Files larger than this cannot be read into one array. */
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private ImageDecoder() {
    }

    /**
     * Decodes a file with the {@linkplain #DEFAULT_MAX_PIXELS default pixel budget}.
     *
     * @param file the image file
     * @return the decoded image
     * @throws ImageDecodeException (naming the file) if it is missing, unreadable, truncated, of an unknown or
     *                              unsupported format or colour type, or declares more pixels than the budget
     */
    public static DecodedImage decode(Path file) throws ImageDecodeException {
        return decode(file, DEFAULT_MAX_PIXELS);
    }

    /**
     * @param file      the image file
     * @param maxPixels the pixel budget: an image whose header declares more (width × height) is refused with
     *                  {@link BadInputKind#IMAGE_TOO_LARGE} before its pixels are decoded; 1..{@link #LARGEST_MAX_PIXELS}
     * @return the decoded image
     * @throws ImageDecodeException (naming the file) if it is missing, unreadable, truncated, of an unknown or
     *                              unsupported format or colour type, or declares more pixels than the budget
     */
    public static DecodedImage decode(Path file, long maxPixels) throws ImageDecodeException {
        checkBudgetArgument(maxPixels);
        try {
            return decode(readFile(file), maxPixels);
        } catch (ImageDecodeException e) {
            throw e.inFile(file);
        }
    }

    /**
     * Decodes bytes with the {@linkplain #DEFAULT_MAX_PIXELS default pixel budget}.
     *
     * @param encoded the encoded image (a whole file)
     * @return the decoded image
     * @throws ImageDecodeException if the bytes are empty, truncated, of an unknown or unsupported format, or declare
     *                              more pixels than the budget
     */
    public static DecodedImage decode(byte[] encoded) throws ImageDecodeException {
        return decode(encoded, DEFAULT_MAX_PIXELS);
    }

    /**
     * @param encoded   the encoded image (a whole file)
     * @param maxPixels the pixel budget, 1..{@link #LARGEST_MAX_PIXELS} (see {@link #decode(Path, long)})
     * @return the decoded image
     * @throws ImageDecodeException if the bytes are empty, truncated, of an unknown or unsupported format, or declare
     *                              more pixels than the budget
     */
    public static DecodedImage decode(byte[] encoded, long maxPixels) throws ImageDecodeException {
        checkBudgetArgument(maxPixels);
        return withReader(encoded, (reader, iis) -> read(reader, iis, maxPixels));
    }

    /**
     * {@link #probe(Path, long)} with the {@linkplain #DEFAULT_MAX_PIXELS default pixel budget}.
     *
     * @param file the image file
     * @return format and size
     * @throws ImageDecodeException (naming the file) if it is missing, empty, or of an unknown format, its header
     *                              is bad, or it declares more pixels than the budget
     */
    public static ImageInfo probe(Path file) throws ImageDecodeException {
        return probe(file, DEFAULT_MAX_PIXELS);
    }

    /**
     * Reads only what is needed to learn the format and size (a cheap check that a file is an image a
     * decoder accepts; it does not detect corrupt pixel data further in).
     *
     * @param file      the image file
     * @param maxPixels the pixel budget, 1..{@link #LARGEST_MAX_PIXELS} (see {@link #decode(Path, long)})
     * @return format and size
     * @throws ImageDecodeException (naming the file) if it is missing, empty, or of an unknown format, its header
     *                              is bad, or it declares more pixels than the budget
     */
    public static ImageInfo probe(Path file, long maxPixels) throws ImageDecodeException {
        checkBudgetArgument(maxPixels);
        try {
            return probeHeader(file, maxPixels);
        } catch (ImageDecodeException e) {
            throw e.inFile(file);
        }
    }

    private static ImageInfo probeHeader(Path file, long maxPixels) throws ImageDecodeException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(BadInputKind.MISSING_FILE, "file does not exist", e);
        } catch (IOException e) {
            throw new ImageDecodeException(BadInputKind.UNREADABLE_IMAGE, "cannot read file: " + describe(e), e);
        }
        if (size == 0) {
            throw new ImageDecodeException(BadInputKind.UNREADABLE_IMAGE, "empty file (0 bytes)");
        }
        try (ImageInputStream iis = ImageIO.createImageInputStream(file.toFile())) {
            if (iis == null) {
                throw new ImageDecodeException(BadInputKind.UNREADABLE_IMAGE, "cannot open file");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) {
                throw new ImageDecodeException(BadInputKind.UNSUPPORTED_FORMAT, "unsupported or unrecognised image "
                        + "format (readable: " + readableFormats() + ")");
            }
            ImageReader reader = readers.next();
            ImageInfo info;
            try {
                reader.setInput(iis, true, true);
                info = new ImageInfo(reader.getFormatName().toLowerCase(Locale.ROOT), reader.getWidth(0),
                        reader.getHeight(0));
            } catch (IOException | RuntimeException e) {
                throw new ImageDecodeException(BadInputKind.UNREADABLE_IMAGE, "cannot read image header: "
                        + describe(e), e);
            } finally {
                reader.dispose();
            }
            checkDeclaredSize(info.format(), info.width(), info.height(), maxPixels);
            return info;
        } catch (IOException e) {
            throw new ImageDecodeException(BadInputKind.UNREADABLE_IMAGE, "cannot read file: " + describe(e), e);
        }
    }

    private static byte[] readFile(Path file) throws ImageDecodeException {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ImageDecodeException(BadInputKind.UNREADABLE_IMAGE, "file of " + size + " bytes is too "
                        + "large to read (at most " + MAX_FILE_BYTES + ")");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(BadInputKind.MISSING_FILE, "file does not exist", e);
        } catch (IOException e) {
            throw new ImageDecodeException(BadInputKind.UNREADABLE_IMAGE, "cannot read file: " + describe(e), e);
        }
    }

    private static void checkBudgetArgument(long maxPixels) {
        if (maxPixels < 1 || maxPixels > LARGEST_MAX_PIXELS) {
            throw new IllegalArgumentException("maxPixels: " + maxPixels + " is out of range [1, "
                    + LARGEST_MAX_PIXELS + "]");
        }
    }

    /** Refuses a header that declares more than {@code maxPixels} pixels (nothing has been decoded yet). */
    private static void checkDeclaredSize(String format, int width, int height, long maxPixels)
            throws ImageDecodeException {
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new ImageDecodeException(BadInputKind.IMAGE_TOO_LARGE, format + " header declares " + width + "x"
                    + height + " = " + pixels + " pixels, over the pixel budget of " + maxPixels
                    + " (SourceOptions.maxPixels); refused before decoding (possible decompression bomb)");
        }
    }

    /**
     * Format and size of an image file.
     *
     * @param format decoder format name, lower case
     * @param width  width in pixels
     * @param height height in pixels
     */
    public record ImageInfo(String format, int width, int height) {
    }

    @FunctionalInterface
    private interface ReaderTask<T> {
        T run(ImageReader reader, ImageInputStream iis) throws ImageDecodeException;
    }

    private static <T> T withReader(byte[] encoded, ReaderTask<T> task) throws ImageDecodeException {
        if (encoded.length == 0) {
            throw new ImageDecodeException(BadInputKind.UNREADABLE_IMAGE, "empty file (0 bytes)");
        }
        // A memory-cached stream: ImageIO.createImageInputStream would spill to a temporary file cache.
        try (InputStream in = new ByteArrayInputStream(encoded);
             ImageInputStream iis = new MemoryCacheImageInputStream(in)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) {
                throw new ImageDecodeException(BadInputKind.UNSUPPORTED_FORMAT, "unsupported or unrecognised image "
                        + "format (starts with " + hexPrefix(encoded) + "; readable: " + readableFormats() + ")");
            }
            ImageReader reader = readers.next();
            try {
                return task.run(reader, iis);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new ImageDecodeException(BadInputKind.UNREADABLE_IMAGE, "cannot decode: " + describe(e), e);
        }
    }

    private static DecodedImage read(ImageReader reader, ImageInputStream iis, long maxPixels)
            throws ImageDecodeException {
        String format;
        List<String> warnings = new ArrayList<>();
        BufferedImage img;
        try {
            format = reader.getFormatName().toLowerCase(Locale.ROOT);
            reader.setInput(iis, true, true);
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            // reads the header only: no pixel memory is allocated before the budget check
            checkDeclaredSize(format, reader.getWidth(0), reader.getHeight(0), maxPixels);
            img = reader.read(0);
        } catch (IOException | RuntimeException e) {
            // Java's decoders throw unchecked exceptions (IndexOutOfBounds, IllegalArgument, ...) on corrupt data.
            throw new ImageDecodeException(BadInputKind.UNREADABLE_IMAGE, "cannot decode: " + describe(e), e);
        }
        if (!warnings.isEmpty()) {
            throw new ImageDecodeException(BadInputKind.UNREADABLE_IMAGE, "corrupt or truncated " + format
                    + " data: " + String.join("; ", warnings));
        }
        if (img.getWidth() < 1 || img.getHeight() < 1) {
            throw new ImageDecodeException(BadInputKind.UNREADABLE_IMAGE, "image has no pixels (" + img.getWidth()
                    + "x" + img.getHeight() + ")");
        }
        return toRgb(img, format);
    }

    private static DecodedImage toRgb(BufferedImage img, String format) throws ImageDecodeException {
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        if (cm instanceof IndexColorModel icm) {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * 3;
                    int idx = row[x];
                    out[o] = (byte) icm.getRed(idx);
                    out[o + 1] = (byte) icm.getGreen(idx);
                    out[o + 2] = (byte) icm.getBlue(idx);
                }
            }
            return new DecodedImage(new RgbImage(w, h, out), format, DecodedImage.ColourLayout.PALETTE);
        }
        int csType = cm.getColorSpace().getType();
        int colours = cm.getNumColorComponents();
        boolean gray = csType == ColorSpace.TYPE_GRAY && colours == 1;
        boolean rgb = csType == ColorSpace.TYPE_RGB && colours == 3;
        if (!gray && !rgb) {
            throw new ImageDecodeException(BadInputKind.UNSUPPORTED_FORMAT, "unsupported colour space (type " + csType + ", " + colours
                    + " colour components; only RGB, grey and palette images are supported, not CMYK/YCCK)");
        }
        if (!copyInterleavedBytes(raster, gray, out, w, h)) {
            copyGenericSamples(raster, gray, out, w, h);
        }
        DecodedImage.ColourLayout layout = gray
                ? (cm.hasAlpha() ? DecodedImage.ColourLayout.GRAY_ALPHA : DecodedImage.ColourLayout.GRAY)
                : (cm.hasAlpha() ? DecodedImage.ColourLayout.RGB_ALPHA : DecodedImage.ColourLayout.RGB);
        return new DecodedImage(new RgbImage(w, h, out), format, layout);
    }

    /** Fast path for 8-bit interleaved byte rasters (JPEG, most PNGs). Returns false if not applicable. */
    private static boolean copyInterleavedBytes(Raster raster, boolean gray, byte[] out, int w, int h) {
        if (!(raster.getDataBuffer() instanceof DataBufferByte buffer)
                || !(raster.getSampleModel() instanceof ComponentSampleModel sm)
                || buffer.getNumBanks() != 1 || buffer.getOffset() != 0
                || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0) {
            return false;
        }
        for (int s : sm.getSampleSize()) {
            if (s != 8) {
                return false;
            }
        }
        byte[] data = buffer.getData();
        int[] offsets = sm.getBandOffsets();
        int pixelStride = sm.getPixelStride();
        int scanline = sm.getScanlineStride();
        int r = offsets[0];
        int g = gray ? offsets[0] : offsets[1];
        int b = gray ? offsets[0] : offsets[2];
        for (int y = 0; y < h; y++) {
            int p = y * scanline;
            int o = y * w * 3;
            for (int x = 0; x < w; x++, p += pixelStride, o += 3) {
                out[o] = data[p + r];
                out[o + 1] = data[p + g];
                out[o + 2] = data[p + b];
            }
        }
        return true;
    }

    /** Any sample layout: bands are colour components in order (then alpha), scaled to 8 bits like Pillow. */
    private static void copyGenericSamples(Raster raster, boolean gray, byte[] out, int w, int h) {
        int bands = gray ? 1 : 3;
        int[] row = new int[w];
        for (int band = 0; band < bands; band++) {
            int bits = raster.getSampleModel().getSampleSize(band);
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, band, row);
                for (int x = 0; x < w; x++) {
                    int v = to8Bit(row[x], bits);
                    int o = (y * w + x) * 3;
                    if (gray) {
                        out[o] = (byte) v;
                        out[o + 1] = (byte) v;
                        out[o + 2] = (byte) v;
                    } else {
                        out[o + band] = (byte) v;
                    }
                }
            }
        }
    }

    private static int to8Bit(int sample, int bits) {
        if (bits == 8) {
            return sample & 0xFF;
        }
        if (bits > 8) {
            return (sample >>> (bits - 8)) & 0xFF;
        }
        return sample * 255 / ((1 << bits) - 1);
    }

    private static String describe(Throwable e) {
        String msg = e.getMessage();
        return e.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
    }

    private static String hexPrefix(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            sb.append(String.format("%02x", bytes[i] & 0xFF));
        }
        return sb.toString();
    }

    private static String readableFormats() {
        return String.join(", ", new java.util.TreeSet<>(List.of(ImageIO.getReaderFormatNames()).stream()
                .map(s -> s.toLowerCase(Locale.ROOT)).toList()));
    }
}
