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
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
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
                float[] v = new float[n];
                raw.asFloatBuffer().get(v);
                return Nd4j.create(v, shape, 'c');
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
                float[] v = new float[t.getFloatDataCount()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = t.getFloatData(i);
                }
                return checked(Nd4j.create(v, shape, 'c'), v.length, n, t);
            }
            case DOUBLE: {
                double[] v = t.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray();
                return checked(Nd4j.create(v, shape, 'c'), v.length, n, t);
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

    private static INDArray checked(INDArray a, int have, int want, Onnx.TensorProto t) throws IOException {
        check(have, want, t);
        return a;
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
                case "offset" -> offset = Long.parseLong(e.getValue());
                case "length" -> length = Long.parseLong(e.getValue());
                default -> { }
            }
        }
        if (location == null || baseDir == null) {
            throw new IOException("tensor '" + t.getName() + "' has external data without a resolvable location");
        }
        Path file = baseDir.resolve(location).normalize();
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = length >= 0 ? length : f.length() - offset;
            if (offset + len > f.length()) {
                throw new IOException("external data file " + file + " is shorter (" + f.length()
                        + " bytes) than tensor '" + t.getName() + "' needs (offset " + offset + " + " + len + ")");
            }
            byte[] b = new byte[Math.toIntExact(len)];
            f.seek(offset);
            f.readFully(b);
            return ByteBuffer.wrap(b);
        }
    }

    /** IEEE 754 binary16 → float. */
    static float halfToFloat(short h) {
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
