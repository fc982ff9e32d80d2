package org.coft.datavec.source;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file (the MNIST / Fashion-MNIST container), read whole into memory: two zero bytes, a type byte
 * ({@code 0x08} = unsigned byte, the only type accepted here), the number of dimensions, each dimension as a
 * big-endian 32-bit integer, then the data in row-major order. Gzip-compressed files are recognised by their
 * magic bytes, whatever their name.
 *
 * <p>Reading is two steps so that nothing large is allocated on the word of a header: {@link #readHeader} reads
 * only the header and refuses dimensions whose product exceeds what the file can hold (its length after the
 * header; for gzip, {@value #DEFLATE_MAX_RATIO} times its length, DEFLATE's largest possible expansion) or one
 * Java array; {@link #read(Header)} then allocates the data array once and fills it. Every exception names the
 * file.
 *
 * @param file       where it was read from
 * @param dimensions the dimensions (for images {@code [count, rows, cols]}, for labels {@code [count]})
 * @param data       the unsigned bytes, row-major
 */
record IdxFile(Path file, int[] dimensions, byte[] data) {

    private static final int UBYTE = 0x08;
    /** Refuse files claiming more data than this (2 GiB arrays are the JVM limit anyway). */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 64;
    /** DEFLATE cannot expand data more than 1032:1 (zlib's FAQ), so a gzip file can hold at most this × its size. */
    static final int DEFLATE_MAX_RATIO = 1032;

    /**
     * An IDX header, checked against the file's length.
     *
     * @param file       the file
     * @param dimensions the declared dimensions
     * @param gzip       whether the file is gzip-compressed
     * @param dataBytes  the product of the dimensions: how many data bytes follow the header
     */
    record Header(Path file, int[] dimensions, boolean gzip, long dataBytes) {
    }

    static IdxFile read(Path file) throws IOException {
        return read(readHeader(file));
    }

    /**
     * Reads and checks the header only.
     *
     * @throws IOException              (naming the file) if it cannot be read
     * @throws IllegalArgumentException (naming the file) if it is not an unsigned-byte IDX file, or its header
     *                                  declares more data than the file can hold or than fits one array
     */
    static Header readHeader(Path file) throws IOException {
        long length = fileLength(file);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            boolean gzip = isGzip(raw);
            InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
            int[] dims = parseHeader(file, in);
            long total = 1;
            for (int d : dims) {
                total *= d;
                if (total > MAX_BYTES) {
                    throw new IllegalArgumentException(file + ": IDX header declares " + Arrays.toString(dims)
                            + ", more than " + MAX_BYTES + " bytes of data (the largest Java array); refused before "
                            + "reading");
                }
            }
            long headerBytes = 4L + 4L * dims.length;
            if (!gzip && total > length - headerBytes) {
                throw new IllegalArgumentException(file + ": truncated IDX file: header declares "
                        + Arrays.toString(dims) + " = " + total + " bytes of data, the file holds only "
                        + (length - headerBytes) + " after its " + headerBytes + "-byte header; refused before reading");
            }
            if (gzip && total + headerBytes > length * DEFLATE_MAX_RATIO) {
                throw new IllegalArgumentException(file + ": IDX header declares " + Arrays.toString(dims) + " = "
                        + total + " bytes of data, but a gzip file of " + length + " bytes can hold at most "
                        + length * DEFLATE_MAX_RATIO + " (DEFLATE expands at most " + DEFLATE_MAX_RATIO
                        + ":1); refused before reading");
            }
            return new Header(file, dims, gzip, total);
        } catch (IOException e) {
            throw named(file, e);
        }
    }

    /**
     * Reads the data a checked header promises: one array of {@code header.dataBytes()} bytes.
     *
     * @throws IOException              (naming the file) if it cannot be read, or is a corrupt or truncated gzip
     *                                  stream
     * @throws IllegalArgumentException (naming the file) if it holds fewer or more bytes than the header promises
     */
    static IdxFile read(Header header) throws IOException {
        Path file = header.file();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             InputStream in = isGzip(raw) ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16)
                     : raw) {
            int[] dims = parseHeader(file, in);
            if (!Arrays.equals(dims, header.dimensions())) {
                throw new IllegalArgumentException(file + ": IDX header changed while reading (was "
                        + Arrays.toString(header.dimensions()) + ", now " + Arrays.toString(dims) + ")");
            }
            int total = (int) header.dataBytes();
            byte[] data;
            try {
                data = new byte[total];
            } catch (OutOfMemoryError e) {
                throw new IOException(file + ": not enough heap for the " + total + " bytes its header "
                        + Arrays.toString(dims) + " declares (raise -Xmx)", e);
            }
            int read = in.readNBytes(data, 0, total);
            if (read != total) {
                throw new IllegalArgumentException(file + ": truncated IDX file: header " + Arrays.toString(dims)
                        + " promises " + total + " bytes of data, found " + read);
            }
            if (in.read() != -1) {
                throw new IllegalArgumentException(file + ": IDX file has data beyond the " + total
                        + " bytes its header " + Arrays.toString(dims) + " promises");
            }
            return new IdxFile(file, dims, data);
        } catch (IOException e) {
            throw named(file, e);
        }
    }

    private static long fileLength(Path file) throws IOException {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw named(file, e);
        }
    }

    private static boolean isGzip(InputStream raw) throws IOException {
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }

    private static int[] parseHeader(Path file, InputStream in) throws IOException {
        byte[] header = in.readNBytes(4);
        if (header.length < 4 || header[0] != 0 || header[1] != 0) {
            throw new IllegalArgumentException(file + ": not an IDX file (magic "
                    + Arrays.toString(header) + ", expected 0, 0, type, dims)");
        }
        int type = header[2] & 0xFF;
        if (type != UBYTE) {
            throw new IllegalArgumentException(file + ": IDX element type 0x" + Integer.toHexString(type)
                    + " is not supported (only 0x08 = unsigned byte)");
        }
        int rank = header[3] & 0xFF;
        if (rank < 1 || rank > 4) {
            throw new IllegalArgumentException(file + ": IDX rank " + rank + " is out of range [1, 4]");
        }
        byte[] dimBytes = in.readNBytes(4 * rank);
        if (dimBytes.length < 4 * rank) {
            throw new IllegalArgumentException(file + ": truncated IDX header");
        }
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = ((dimBytes[4 * i] & 0xFF) << 24) | ((dimBytes[4 * i + 1] & 0xFF) << 16)
                    | ((dimBytes[4 * i + 2] & 0xFF) << 8) | (dimBytes[4 * i + 3] & 0xFF);
            if (dims[i] < 0) {
                throw new IllegalArgumentException(file + ": IDX dimension " + i + " is negative");
            }
        }
        return dims;
    }

    /** An I/O error naming the file: file-system errors already do (their message is the path), others not. */
    private static IOException named(Path file, IOException e) {
        if (e instanceof FileSystemException || String.valueOf(e.getMessage()).startsWith(file.toString())) {
            return e;
        }
        return new IOException(file + ": cannot read IDX file: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
    }
}
