package org.coft.clip.onnx.parse;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import onnx.Onnx;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Decodes ONNX {@code TensorProto}s (raw, typed or external data) into ND4J arrays. */
public final class OnnxTensors {
    private OnnxTensors() {
    }

    /** ND4J type for an ONNX element type code, or null when unsupported. */
    public static DataType dataType(int onnxType) {
        return switch (onnxType) {
            case 1 -> DataType.FLOAT;
            case 2 -> DataType.UBYTE;
            case 3 -> DataType.BYTE;
            case 5 -> DataType.SHORT;
            case 6 -> DataType.INT;
            case 7 -> DataType.LONG;
            case 9 -> DataType.BOOL;
            case 10 -> DataType.HALF;
            case 11 -> DataType.DOUBLE;
            case 16 -> DataType.BFLOAT16;
            default -> null;
        };
    }

    /** ONNX type code for an ND4J type. */
    public static int onnxType(DataType type) {
        return switch (type) {
            case FLOAT -> 1;
            case UBYTE -> 2;
            case BYTE -> 3;
            case SHORT -> 5;
            case INT -> 6;
            case LONG -> 7;
            case BOOL -> 9;
            case HALF -> 10;
            case DOUBLE -> 11;
            case BFLOAT16 -> 16;
            default -> throw new IllegalArgumentException("no ONNX element type for " + type);
        };
    }

    /**
     * Decodes a tensor.
     *
     * @param t       the tensor
     * @param baseDir folder against which external data locations are resolved (may be null)
     */
    public static INDArray decode(Onnx.TensorProto t, Path baseDir) throws IOException {
        DataType type = dataType(t.getDataType());
        if (type == null) {
            throw new IOException("tensor '" + t.getName() + "' has unsupported element type code " + t.getDataType());
        }
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long n = elementCount(t.getName(), shape);
        ByteBuffer raw = null;
        if (t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
            raw = readExternal(t, baseDir);
        } else if (!t.getRawData().isEmpty()) {
            raw = t.getRawData().asReadOnlyByteBuffer();
        }
        if (raw != null) {
            raw = raw.slice().order(ByteOrder.LITTLE_ENDIAN);
            long expected = n * type.width();
            if (raw.remaining() != expected) {
                throw new IOException("tensor '" + t.getName() + "' has " + raw.remaining() + " bytes of data, expected "
                        + expected + " for shape " + java.util.Arrays.toString(shape) + " of " + type);
            }
            return fromBytes(raw, type, shape, (int) n);
        }
        return fromTypedFields(t, type, shape, (int) n);
    }

    private static INDArray fromBytes(ByteBuffer raw, DataType type, long[] shape, int n) throws IOException {
        switch (type) {
            case FLOAT: {
                // straight into native memory: no heap copy of the weights (the bulk of a CLIP export)
                INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
                if (n > 0) {
                    a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().put(raw.asFloatBuffer());
                }
                return a;
            }
            case DOUBLE: {
                double[] v = new double[n];
                raw.asDoubleBuffer().get(v);
                return Nd4j.create(v, shape, 'c');
            }
            case LONG: {
                long[] v = new long[n];
                raw.asLongBuffer().get(v);
                return Nd4j.createFromArray(v).reshape('c', shape);
            }
            case INT: {
                int[] v = new int[n];
                raw.asIntBuffer().get(v);
                return Nd4j.createFromArray(v).reshape('c', shape);
            }
            case BOOL: case UBYTE: case BYTE: {
                byte[] b = new byte[n];
                raw.get(b);
                if (type == DataType.BOOL) {
                    boolean[] v = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = b[i] != 0;
                    }
                    return Nd4j.createFromArray(v).reshape('c', shape);
                }
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = type == DataType.UBYTE ? b[i] & 0xff : b[i];
                }
                return Nd4j.createFromArray(v).reshape('c', shape).castTo(type);
            }
            case HALF: {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = halfToFloat(raw.getShort());
                }
                return Nd4j.create(v, shape, 'c');
            }
            default:
                throw new IOException("raw data of type " + type + " is not supported");
        }
    }

    private static INDArray fromTypedFields(Onnx.TensorProto t, DataType type, long[] shape, int n) throws IOException {
        switch (type) {
            case FLOAT: {
                check(t.getFloatDataCount(), n, t);
                float[] v = new float[t.getFloatDataCount()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = t.getFloatData(i);
                }
                return Nd4j.create(v, shape, 'c');
            }
            case DOUBLE: {
                check(t.getDoubleDataCount(), n, t);
                double[] v = t.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray();
                return Nd4j.create(v, shape, 'c');
            }
            case LONG: {
                long[] v = t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
                check(v.length, n, t);
                return Nd4j.createFromArray(v).reshape('c', shape);
            }
            case INT: case SHORT: case BYTE: case UBYTE: case BOOL: {
                int[] v = t.getInt32DataList().stream().mapToInt(Integer::intValue).toArray();
                check(v.length, n, t);
                return Nd4j.createFromArray(v).reshape('c', shape).castTo(type);
            }
            default:
                throw new IOException("tensor '" + t.getName() + "': typed data of " + type + " is not supported");
        }
    }

    private static void check(int have, int want, Onnx.TensorProto t) throws IOException {
        if (have != want) {
            throw new IOException("tensor '" + t.getName() + "' has " + have + " elements, its shape "
                    + t.getDimsList() + " needs " + want);
        }
    }

    private static ByteBuffer readExternal(Onnx.TensorProto t, Path baseDir) throws IOException {
        String location = null;
        long offset = 0;
        long length = -1;
        for (Onnx.StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = externalNumber(t, e);
                case "length" -> length = externalNumber(t, e);
                default -> { }
            }
        }
        if (location == null || location.isEmpty() || baseDir == null) {
            throw new IOException("tensor '" + t.getName() + "' has external data without a resolvable location");
        }
        Path file = confined(t, baseDir, location);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = length >= 0 ? length : f.length() - offset;
            if (offset > f.length() || len > f.length() - offset) {
                throw new IOException("external data file " + file + " is shorter (" + f.length()
                        + " bytes) than tensor '" + t.getName() + "' needs (offset " + offset + " + " + len + ")");
            }
            if (len > Integer.MAX_VALUE - 16) {
                throw new IOException("tensor '" + t.getName() + "' declares " + len + " bytes of external data in "
                        + file + "; at most " + (Integer.MAX_VALUE - 16) + " are supported per tensor");
            }
            byte[] b = new byte[(int) len];
            f.seek(offset);
            f.readFully(b);
            return ByteBuffer.wrap(b);
        } catch (java.io.FileNotFoundException e) {
            throw new IOException("tensor '" + t.getName() + "': external data file " + file + " cannot be opened ("
                    + e.getMessage() + ")", e);
        }
    }

    /** A non-negative integer {@code offset} / {@code length} entry of an external-data tensor. */
    private static long externalNumber(Onnx.TensorProto t, Onnx.StringStringEntryProto e) throws IOException {
        try {
            long v = Long.parseLong(e.getValue().trim());
            if (v < 0) {
                throw new NumberFormatException("negative");
            }
            return v;
        } catch (NumberFormatException ex) {
            throw new IOException("tensor '" + t.getName() + "' has external data " + e.getKey() + " '" + e.getValue()
                    + "'; expected a non-negative integer number of bytes", ex);
        }
    }

    /**
     * The external data file of {@code location}, which must stay inside the model's folder: no absolute path, no
     * {@code ..} that leaves it, no link that points outside it (ONNX's own checker has the same rule).
     */
    static Path confined(Onnx.TensorProto t, Path baseDir, String location) throws IOException {
        Path rel;
        try {
            rel = Path.of(location);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IOException("tensor '" + t.getName() + "' has an invalid external data location '" + location + "'");
        }
        Path base = baseDir.toAbsolutePath().normalize();
        Path file = base.resolve(rel).normalize();
        if (rel.isAbsolute() || !file.startsWith(base) || file.equals(base)) {
            throw new IOException("tensor '" + t.getName() + "' has external data location '" + location
                    + "' outside the model's folder " + base + "; external data must be a file inside that folder");
        }
        if (java.nio.file.Files.exists(file)) {
            Path real = file.toRealPath();
            if (!real.startsWith(base.toRealPath())) {
                throw new IOException("tensor '" + t.getName() + "' has external data location '" + location
                        + "' that links outside the model's folder " + base + " (to " + real + ")");
            }
        }
        return file;
    }

    /** Elements of a tensor's shape: dims must be ≥ 0 and the count fit an array (2³¹ − 1 elements). */
    static long elementCount(String name, long[] shape) throws IOException {
        long n = saturatingCount(shape);
        if (n < 0) {
            throw new IOException("tensor '" + name + "' has a negative dim in shape " + java.util.Arrays.toString(shape));
        }
        if (n > Integer.MAX_VALUE - 16) {
            throw new IOException("tensor '" + name + "' has shape " + java.util.Arrays.toString(shape) + " (" + n
                    + " elements); at most " + (Integer.MAX_VALUE - 16) + " elements are supported per tensor");
        }
        return n;
    }

    /** Product of {@code dims}, {@link Long#MAX_VALUE} when it overflows, −1 when a dim is negative. */
    static long saturatingCount(long[] dims) {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                return -1;
            }
            n = d != 0 && n > Long.MAX_VALUE / d ? Long.MAX_VALUE : n * d;
        }
        return n;
    }

    /** IEEE 754 binary16 → float. */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
