package org.coft.clip.tf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;
import org.tensorflow.util.BundleEntryProto;
import org.tensorflow.util.BundleHeaderProto;

/**
 * Reads a TensorFlow checkpoint ("tensor bundle": {@code PREFIX.index} + {@code PREFIX.data-NNNNN-of-MMMMM}) without
 * TensorFlow. The index is a LevelDB-format table (footer with the index block's handle; prefix-compressed
 * key/value blocks, each with a type byte and a masked CRC32C) mapping tensor names to {@link BundleEntryProto}
 * (dtype, shape, shard, offset, size, CRC32C of the bytes) and {@code ""} to the {@link BundleHeaderProto}. Tensor
 * bytes are read on request and checked against their CRC. Uncompressed tables only (TensorFlow writes them so);
 * sliced (partitioned) variables are not supported.
 */
public final class TensorBundleReader {
    private static final long MAGIC = 0xdb4775248b80fb57L;
    private static final int FOOTER = 48;

    private final Path prefix;
    private final BundleHeaderProto header;
    private final Map<String, BundleEntryProto> entries;

    private TensorBundleReader(Path prefix, BundleHeaderProto header, Map<String, BundleEntryProto> entries) {
        this.prefix = prefix;
        this.header = header;
        this.entries = entries;
    }

    /** Opens {@code prefix + ".index"} and reads every entry (not the tensor bytes). */
    public static TensorBundleReader open(Path prefix) throws IOException {
        Path index = Path.of(prefix + ".index");
        if (!Files.isRegularFile(index)) {
            throw new IOException(index + " does not exist");
        }
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(index)).order(ByteOrder.LITTLE_ENDIAN);
        if (file.capacity() < FOOTER || file.getLong(file.capacity() - 8) != MAGIC) {
            throw new IOException(index + " is not a tensor bundle index (no table footer magic; truncated?)");
        }
        ByteBuffer footer = file.duplicate().position(file.capacity() - FOOTER).order(ByteOrder.LITTLE_ENDIAN);
        varint(footer); // metaindex offset
        varint(footer); // metaindex size
        long indexOffset = varint(footer);
        long indexSize = varint(footer);
        Map<String, byte[]> raw = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> ix : block(file, indexOffset, indexSize, index).entrySet()) {
            ByteBuffer h = ByteBuffer.wrap(ix.getValue());
            long off = varint(h);
            long size = varint(h);
            raw.putAll(block(file, off, size, index));
        }
        BundleHeaderProto header = null;
        Map<String, BundleEntryProto> entries = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, byte[]> e : raw.entrySet()) {
                if (e.getKey().isEmpty()) {
                    header = BundleHeaderProto.parseFrom(e.getValue());
                } else {
                    entries.put(e.getKey(), BundleEntryProto.parseFrom(e.getValue()));
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(index + ": bad entry (" + e.getMessage() + ")", e);
        }
        if (header == null) {
            throw new IOException(index + " has no bundle header entry");
        }
        if (header.getEndianness() != BundleHeaderProto.Endianness.LITTLE) {
            throw new IOException(index + ": big-endian bundles are not supported");
        }
        return new TensorBundleReader(prefix, header, entries);
    }

    /** Tensor names and their entries, in key order. */
    public Map<String, BundleEntryProto> entries() {
        return entries;
    }

    public int shards() {
        return header.getNumShards();
    }

    /**
     * Reads one tensor (int32 widened to int64 like graph constants), or null when the bundle has no such key.
     *
     * @throws IOException naming the data file when it is missing, too short, or the bytes fail their checksum
     */
    public INDArray read(String key) throws IOException {
        BundleEntryProto e = entries.get(key);
        if (e == null) {
            return null;
        }
        if (e.getSlicesCount() > 0) {
            throw new IOException("tensor '" + key + "' is stored in slices (partitioned variable); not supported");
        }
        DataType type = TfTensors.dataType(e.getDtype());
        if (type == null) {
            throw new IOException("tensor '" + key + "' has unsupported dtype " + e.getDtype());
        }
        long[] shape = TfTensors.shape(e.getShape());
        int n = (int) TfTensors.count(shape);
        Path data = Path.of(String.format("%s.data-%05d-of-%05d", prefix, e.getShardId(), header.getNumShards()));
        if (!Files.isRegularFile(data)) {
            throw new IOException(data + " does not exist (needed for tensor '" + key + "')");
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) e.getSize());
        try (FileChannel ch = FileChannel.open(data)) {
            if (e.getOffset() + e.getSize() > ch.size()) {
                throw new IOException(data + " is too short for tensor '" + key + "' (needs bytes up to "
                        + (e.getOffset() + e.getSize()) + ", has " + ch.size() + "; truncated?)");
            }
            while (bytes.hasRemaining()) {
                if (ch.read(bytes, e.getOffset() + bytes.position()) < 0) {
                    throw new IOException(data + ": unexpected end of file");
                }
            }
        }
        bytes.flip();
        CRC32C crc = new CRC32C();
        crc.update(bytes.duplicate());
        if (mask((int) crc.getValue()) != e.getCrc32C()) {
            throw new IOException(data + ": tensor '" + key + "' fails its CRC32C check (corrupt file)");
        }
        INDArray a = TfTensors.fromBytes(bytes, type, shape, n);
        return type == DataType.INT ? a.castTo(DataType.LONG) : a;
    }

    /** Key → value of one table block (contents + 5-byte trailer: type, masked CRC32C of contents and type). */
    private static Map<String, byte[]> block(ByteBuffer file, long offset, long size, Path index) throws IOException {
        if (offset < 0 || size < 4 || offset + size + 5 > file.capacity()) {
            throw new IOException(index + ": block at " + offset + " (+" + size + ") lies outside the file; truncated?");
        }
        int off = (int) offset;
        int len = (int) size;
        byte type = file.get(off + len);
        CRC32C crc = new CRC32C();
        crc.update(file.duplicate().position(off).limit(off + len + 1));
        if (mask((int) crc.getValue()) != file.getInt(off + len + 1)) {
            throw new IOException(index + ": block at " + offset + " fails its CRC32C check (corrupt file)");
        }
        if (type != 0) {
            throw new IOException(index + ": compressed blocks (type " + type + ") are not supported");
        }
        ByteBuffer b = file.duplicate().position(off).limit(off + len).slice().order(ByteOrder.LITTLE_ENDIAN);
        int restarts = b.getInt(len - 4);
        int end = len - 4 * (restarts + 1);
        if (restarts < 0 || end < 0) {
            throw new IOException(index + ": bad block at " + offset);
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        byte[] key = new byte[0];
        b.limit(end);
        while (b.hasRemaining()) {
            int shared = (int) varint(b);
            int unshared = (int) varint(b);
            int valueLen = (int) varint(b);
            if (shared > key.length || unshared < 0 || valueLen < 0 || unshared + valueLen > b.remaining()) {
                throw new IOException(index + ": bad entry in block at " + offset);
            }
            byte[] k = new byte[shared + unshared];
            System.arraycopy(key, 0, k, 0, shared);
            b.get(k, shared, unshared);
            byte[] v = new byte[valueLen];
            b.get(v);
            key = k;
            out.put(new String(k, java.nio.charset.StandardCharsets.UTF_8), v);
        }
        return out;
    }

    private static long varint(ByteBuffer b) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (!b.hasRemaining()) {
                throw new IOException("truncated varint");
            }
            int x = b.get() & 0xff;
            v |= (long) (x & 0x7f) << shift;
            if (x < 0x80) {
                return v;
            }
        }
        throw new IOException("bad varint");
    }

    /** LevelDB's CRC mask. */
    private static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }
}
