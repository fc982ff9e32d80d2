package org.coft.cli;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ONNX Runtime side of {@code coft bench}: one session per ONNX file with a fixed intra-op thread count,
 * fed the same pixels / token ids as our import. A whole {@code model.onnx} gets batch-1 dummies for the other
 * tower's inputs; only the requested output is fetched.
 */
final class BenchOrt implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final int threads;
    private final Map<Path, OrtSession> sessions = new HashMap<>();

    BenchOrt(int threads) {
        this.threads = threads;
    }

    String version() {
        return env.getVersion();
    }

    /** A tower of {@code file} fetching the first of {@code outputs} the file has. */
    Tower tower(Path file, List<String> outputs) throws OrtException {
        OrtSession s = sessions.get(file);
        if (s == null) {
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setIntraOpNumThreads(threads);
                o.setInterOpNumThreads(1);
                o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                s = env.createSession(file.toString(), o);
            }
            sessions.put(file, s);
        }
        Set<String> names = s.getOutputNames();
        String output = outputs.stream().filter(names::contains).findFirst().orElseThrow(() ->
                new IllegalArgumentException(file + " has none of the outputs " + outputs + "; outputs are " + names));
        return new Tower(s, output);
    }

    @Override
    public void close() throws OrtException {
        for (OrtSession s : sessions.values()) {
            s.close();
        }
    }

    /** One session and the output to fetch. */
    final class Tower {
        private final OrtSession session;
        private final String output;

        Tower(OrtSession session, String output) {
            this.session = session;
            this.output = output;
        }

        float[] runImages(float[] pixels, long[] shape) throws OrtException {
            List<OnnxTensor> owned = new ArrayList<>();
            try {
                Map<String, OnnxTensor> feed = new HashMap<>();
                for (Map.Entry<String, NodeInfo> in : session.getInputInfo().entrySet()) {
                    TensorInfo t = (TensorInfo) in.getValue().getInfo();
                    OnnxTensor v = t.getShape().length == 4
                            ? OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), shape)
                            : dummyText(in.getKey(), t);
                    owned.add(v);
                    feed.put(in.getKey(), v);
                }
                return fetch(feed);
            } finally {
                owned.forEach(OnnxTensor::close);
            }
        }

        float[] runTexts(long[][] ids, long[][] mask) throws OrtException {
            List<OnnxTensor> owned = new ArrayList<>();
            try {
                Map<String, OnnxTensor> feed = new HashMap<>();
                long[] shape = {ids.length, ids[0].length};
                for (Map.Entry<String, NodeInfo> in : session.getInputInfo().entrySet()) {
                    TensorInfo t = (TensorInfo) in.getValue().getInfo();
                    OnnxTensor v;
                    if (t.getShape().length == 4) {
                        long[] px = t.getShape().clone();
                        px[0] = 1;
                        v = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[(int) (px[1] * px[2] * px[3])]), px);
                    } else {
                        v = OnnxTensor.createTensor(env, LongBuffer.wrap(flat(in.getKey().contains("mask") ? mask : ids)), shape);
                    }
                    owned.add(v);
                    feed.put(in.getKey(), v);
                }
                return fetch(feed);
            } finally {
                owned.forEach(OnnxTensor::close);
            }
        }

        private OnnxTensor dummyText(String name, TensorInfo t) throws OrtException {
            long context = t.getShape()[1] > 0 ? t.getShape()[1] : 77;
            long[] row = new long[(int) context];
            row[0] = 1;
            row[1] = name.contains("mask") ? 1 : 2;
            return OnnxTensor.createTensor(env, LongBuffer.wrap(row), new long[] {1, context});
        }

        private float[] fetch(Map<String, OnnxTensor> feed) throws OrtException {
            try (OrtSession.Result r = session.run(feed, Set.of(output))) {
                OnnxValue v = r.get(output).orElseThrow();
                FloatBuffer b = ((OnnxTensor) v).getFloatBuffer();
                float[] a = new float[b.remaining()];
                b.get(a);
                return a;
            }
        }
    }

    private static long[] flat(long[][] rows) {
        long[] f = new long[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, f, i * rows[0].length, rows[0].length);
        }
        return f;
    }
}
