package org.coft.datavec.source;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
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
 * @param file       where it was read from
 * @param dimensions the dimensions (for images {@code [count, rows, cols]}, for labels {@code [count]})
 * @param data       the unsigned bytes, row-major
 */
record IdxFile(Path file, int[] dimensions, byte[] data) {

    private static final int UBYTE = 0x08;
    /** Refuse files claiming more data than this (2 GiB arrays are the JVM limit anyway). */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 64;

    static IdxFile read(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16))
                    : raw;
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
            long total = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = ((dimBytes[4 * i] & 0xFF) << 24) | ((dimBytes[4 * i + 1] & 0xFF) << 16)
                        | ((dimBytes[4 * i + 2] & 0xFF) << 8) | (dimBytes[4 * i + 3] & 0xFF);
                if (dims[i] < 0) {
                    throw new IllegalArgumentException(file + ": IDX dimension " + i + " is negative");
                }
                total *= dims[i];
                if (total > MAX_BYTES) {
                    throw new IllegalArgumentException(file + ": IDX data of " + Arrays.toString(dims)
                            + " is too large");
                }
            }
            byte[] data = in.readNBytes((int) total);
            if (data.length != total) {
                throw new IllegalArgumentException(file + ": truncated IDX file: header " + Arrays.toString(dims)
                        + " promises " + total + " bytes of data, found " + data.length);
            }
            if (in.read() != -1) {
                throw new IllegalArgumentException(file + ": IDX file has data beyond the " + total
                        + " bytes its header " + Arrays.toString(dims) + " promises");
            }
            return new IdxFile(file, dims, data);
        }
    }
}
