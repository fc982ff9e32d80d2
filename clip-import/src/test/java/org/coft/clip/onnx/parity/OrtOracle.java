package org.coft.clip.onnx.parity;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ONNX Runtime as the reference implementation: runs a model on ND4J arrays and returns ND4J arrays. Graph
 * optimisations are off so that ORT computes each node as the ONNX spec writes it, on one thread.
 */
public final class OrtOracle implements AutoCloseable {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private final OrtSession session;

    public OrtOracle(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            o.setIntraOpNumThreads(1);
            o.setInterOpNumThreads(1);
            session = ENV.createSession(model, o);
        }
    }

    /** Runs every output of the model. */
    public Map<String, INDArray> run(Map<String, INDArray> inputs) throws OrtException {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, INDArray> e : inputs.entrySet()) {
                feeds.put(e.getKey(), toOrt(e.getValue()));
            }
            Map<String, INDArray> out = new LinkedHashMap<>();
            try (OrtSession.Result r = session.run(feeds)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    out.put(e.getKey(), fromOrt((OnnxTensor) e.getValue()));
                }
            }
            return out;
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }

    static OnnxTensor toOrt(INDArray value) throws OrtException {
        INDArray a = value.dup('c');
        long[] shape = a.shape();
        return switch (a.dataType()) {
            case FLOAT -> OnnxTensor.createTensor(ENV, FloatBuffer.wrap(a.data().asFloat()), shape);
            case DOUBLE -> OnnxTensor.createTensor(ENV, DoubleBuffer.wrap(a.data().asDouble()), shape);
            case LONG -> OnnxTensor.createTensor(ENV, LongBuffer.wrap(a.data().asLong()), shape);
            case INT -> OnnxTensor.createTensor(ENV, IntBuffer.wrap(a.data().asInt()), shape);
            case BOOL -> {
                int[] v = a.castTo(DataType.INT).data().asInt();
                ByteBuffer b = ByteBuffer.allocateDirect(v.length);
                for (int x : v) {
                    b.put((byte) (x != 0 ? 1 : 0));
                }
                b.flip();
                yield OnnxTensor.createTensor(ENV, b, shape, OnnxJavaType.BOOL);
            }
            default -> throw new IllegalArgumentException("no ORT conversion for " + a.dataType());
        };
    }

    static INDArray fromOrt(OnnxTensor t) {
        TensorInfo info = t.getInfo();
        long[] shape = info.getShape();
        INDArray flat = switch (info.type) {
            case FLOAT -> {
                FloatBuffer b = t.getFloatBuffer();
                float[] v = new float[b.remaining()];
                b.get(v);
                yield Nd4j.createFromArray(v);
            }
            case DOUBLE -> {
                DoubleBuffer b = t.getDoubleBuffer();
                double[] v = new double[b.remaining()];
                b.get(v);
                yield Nd4j.createFromArray(v);
            }
            case INT64 -> {
                LongBuffer b = t.getLongBuffer();
                long[] v = new long[b.remaining()];
                b.get(v);
                yield Nd4j.createFromArray(v);
            }
            case INT32 -> {
                IntBuffer b = t.getIntBuffer();
                int[] v = new int[b.remaining()];
                b.get(v);
                yield Nd4j.createFromArray(v);
            }
            case BOOL -> {
                ByteBuffer b = t.getByteBuffer();
                boolean[] v = new boolean[b.remaining()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = b.get() != 0;
                }
                yield Nd4j.createFromArray(v);
            }
            default -> throw new IllegalArgumentException("no ND4J conversion for ORT type " + info.type);
        };
        if (flat.length() == 0) {
            return Nd4j.create(flat.dataType(), shape);
        }
        return flat.reshape('c', shape);
    }
}
