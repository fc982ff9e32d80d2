package org.coft.clip.tf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.tensorflow.framework.TensorProto;
import org.tensorflow.framework.TensorShapeProto;

/**
 * TensorFlow tensors → ND4J arrays: {@code TensorProto}s (Const values) and raw little-endian bytes (as in
 * {@code tensor_content} and in checkpoint data files). Integer tensors become int64 except where noted: TF graphs
 * mix int32 and int64 shape arithmetic freely, the ONNX vocabulary expects int64.
 */
final class TfTensors {
    private TfTensors() {
    }

    /** ND4J element type of a TF dtype (ref types map like their value types), or null when unsupported. */
    static DataType dataType(org.tensorflow.framework.DataType t) {
        return switch (t) {
            case DT_FLOAT, DT_FLOAT_REF -> DataType.FLOAT;
            case DT_DOUBLE, DT_DOUBLE_REF -> DataType.DOUBLE;
            case DT_HALF, DT_HALF_REF -> DataType.HALF;
            case DT_INT32, DT_INT32_REF -> DataType.INT;
            case DT_INT64, DT_INT64_REF -> DataType.LONG;
            case DT_BOOL, DT_BOOL_REF -> DataType.BOOL;
            case DT_INT8 -> DataType.BYTE;
            case DT_UINT8 -> DataType.UBYTE;
            default -> null;
        };
    }

    /** The type values of this TF dtype have inside the imported graph: int32 widens to int64. */
    static DataType graphType(org.tensorflow.framework.DataType t) {
        DataType d = dataType(t);
        return d == DataType.INT ? DataType.LONG : d;
    }

    static long[] shape(TensorShapeProto s) throws IOException {
        if (s.getUnknownRank()) {
            throw new IOException("unknown rank");
        }
        long[] out = new long[s.getDimCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.getDim(i).getSize();
        }
        return out;
    }

    static long count(long[] shape) throws IOException {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IOException("negative dimension in " + java.util.Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n > Integer.MAX_VALUE) {
            throw new IOException("tensor of " + n + " elements is too large");
        }
        return n;
    }

    /** Decodes a Const's value; int32 widened to int64. */
    static INDArray decode(TensorProto t) throws IOException {
        DataType type = dataType(t.getDtype());
        if (type == null) {
            throw new IOException("unsupported dtype " + t.getDtype());
        }
        long[] shape = shape(t.getTensorShape());
        int n = (int) count(shape);
        INDArray a;
        if (!t.getTensorContent().isEmpty()) {
            a = fromBytes(t.getTensorContent().asReadOnlyByteBuffer(), type, shape, n);
        } else {
            a = fromFields(t, type, shape, n);
        }
        return type == DataType.INT ? a.castTo(DataType.LONG) : a;
    }

    /** Raw little-endian elements (tensor_content, checkpoint data) of a given type and shape. */
    static INDArray fromBytes(ByteBuffer raw, DataType type, long[] shape, int n) throws IOException {
        ByteBuffer b = raw.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int width = switch (type) {
            case FLOAT, INT -> 4;
            case DOUBLE, LONG -> 8;
            case HALF -> 2;
            default -> 1;
        };
        if (b.remaining() != (long) n * width) {
            throw new IOException("holds " + b.remaining() + " bytes, shape " + java.util.Arrays.toString(shape) + " of "
                    + type + " needs " + (long) n * width);
        }
        switch (type) {
            case FLOAT -> {
                float[] v = new float[n];
                b.asFloatBuffer().get(v);
                return Nd4j.create(v, shape, 'c');
            }
            case DOUBLE -> {
                double[] v = new double[n];
                b.asDoubleBuffer().get(v);
                return Nd4j.create(v, shape, 'c');
            }
            case INT -> {
                int[] v = new int[n];
                b.asIntBuffer().get(v);
                return Nd4j.createFromArray(v).reshape('c', shape);
            }
            case LONG -> {
                long[] v = new long[n];
                b.asLongBuffer().get(v);
                return Nd4j.createFromArray(v).reshape('c', shape);
            }
            case HALF -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = org.coft.clip.onnx.parse.OnnxTensors.halfToFloat(b.getShort());
                }
                return Nd4j.create(v, shape, 'c').castTo(DataType.HALF);
            }
            case BOOL -> {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) {
                    v[i] = b.get() != 0;
                }
                return Nd4j.createFromArray(v).reshape('c', shape);
            }
            default -> {
                byte[] v = new byte[n];
                b.get(v);
                return Nd4j.createFromArray(v).reshape('c', shape).castTo(type);
            }
        }
    }

    /** Typed value fields; one value with more elements wanted means "fill", as TF writes splat constants. */
    private static INDArray fromFields(TensorProto t, DataType type, long[] shape, int n) throws IOException {
        int have = switch (type) {
            case FLOAT -> t.getFloatValCount();
            case DOUBLE -> t.getDoubleValCount();
            case INT, BYTE, UBYTE -> t.getIntValCount();
            case LONG -> t.getInt64ValCount();
            case BOOL -> t.getBoolValCount();
            case HALF -> t.getHalfValCount();
            default -> 0;
        };
        if (have != n && have > 1) {
            throw new IOException("has " + have + " values for shape " + java.util.Arrays.toString(shape));
        }
        double[] v = new double[n];
        for (int i = 0; i < n && have > 0; i++) {
            int k = have == 1 ? 0 : i;
            v[i] = switch (type) {
                case FLOAT -> t.getFloatVal(k);
                case DOUBLE -> t.getDoubleVal(k);
                case INT, BYTE, UBYTE -> t.getIntVal(k);
                case LONG -> t.getInt64Val(k);
                case BOOL -> t.getBoolVal(k) ? 1 : 0;
                case HALF -> org.coft.clip.onnx.parse.OnnxTensors.halfToFloat((short) t.getHalfVal(k));
                default -> 0;
            };
        }
        if (type == DataType.LONG) {
            long[] l = new long[n];
            for (int i = 0; i < n && have > 0; i++) {
                l[i] = t.getInt64Val(have == 1 ? 0 : i); // exact, not through double
            }
            return Nd4j.createFromArray(l).reshape('c', shape);
        }
        return Nd4j.createFromArray(v).reshape('c', shape).castTo(type);
    }
}
