package org.coft.clip.onnx.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.coft.clip.onnx.OnnxImportException;
import org.coft.clip.onnx.OnnxImporter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One parity check: writes a model built with {@link OnnxModelBuilder}, imports it <em>once</em>, then for each
 * batch size generates the same random inputs for ONNX Runtime and for the import (every symbolic input dim
 * not bound in the import options takes the batch size) and compares every output with
 * {@link TensorCompare#assertClose}. Defaults: batches 1 and 5 (1 exercises unit-dim edge cases), atol 1e-5, rtol 1e-4 (single fp32 ops).
 */
public final class ParityCase {
    /** Makes an input tensor of the given shape and element type. */
    @FunctionalInterface
    public interface Gen {
        INDArray make(Random r, long[] shape, DataType type);
    }

    private final OnnxModelBuilder model;
    private final Map<String, Gen> gens = new HashMap<>();
    private ImportOptions options = ImportOptions.defaults();
    private long[] batches = {1, 5};
    private double atol = 1e-5;
    private double rtol = 1e-4;
    private long seed = 20240611L;

    private ParityCase(OnnxModelBuilder model) {
        this.model = model;
    }

    public static ParityCase of(OnnxModelBuilder model) {
        return new ParityCase(model);
    }

    public ParityCase gen(String input, Gen g) {
        gens.put(input, g);
        return this;
    }

    public ParityCase options(ImportOptions o) {
        options = o;
        return this;
    }

    public ParityCase batches(long... b) {
        batches = b.clone();
        return this;
    }

    /** Tolerance for floating-point outputs; set it from the op's numerics, never to make a failure pass. */
    public ParityCase tolerance(double atol, double rtol) {
        this.atol = atol;
        this.rtol = rtol;
        return this;
    }

    public ParityCase seed(long s) {
        seed = s;
        return this;
    }

    /** Runs the check; returns the imported graph for further assertions (e.g. on its report). */
    public OnnxGraph check(Path dir) throws Exception {
        Path file = model.write(dir, "model.onnx");
        OnnxGraph g;
        try {
            g = new OnnxImporter().importModel(file, options);
        } catch (OnnxImportException e) {
            throw new AssertionError("import failed: " + e.getMessage(), e);
        }
        try (OrtOracle ort = new OrtOracle(model.bytes())) {
            for (long b : batches) {
                Map<String, INDArray> in = inputs(b);
                Map<String, INDArray> expected = ort.run(in);
                Map<String, INDArray> actual;
                try {
                    actual = g.run(in);
                } catch (RuntimeException e) {
                    throw new AssertionError("our graph failed at batch " + b + ": " + e, e);
                }
                assertEquals(expected.keySet(), actual.keySet(), "output names");
                for (String o : expected.keySet()) {
                    TensorCompare.assertClose("output '" + o + "' at batch " + b, expected.get(o), actual.get(o), atol, rtol);
                }
            }
        }
        return g;
    }

    /** Inputs for one batch size; the same seed gives the same inputs. */
    public Map<String, INDArray> inputs(long batch) {
        Random r = new Random(seed + 31 * batch);
        Map<String, INDArray> in = new LinkedHashMap<>();
        for (OnnxModelBuilder.Input i : model.inputs()) {
            long[] shape = new long[i.dims().size()];
            for (int k = 0; k < shape.length; k++) {
                Object d = i.dims().get(k);
                if (d instanceof String s) {
                    Long bound = options.dims().get(s);
                    shape[k] = bound != null ? bound : batch;
                } else {
                    shape[k] = ((Number) d).longValue();
                }
            }
            DataType t = dataType(i.elemType());
            Gen g = gens.getOrDefault(i.name(), defaultGen(t));
            in.put(i.name(), g.make(r, shape, t));
        }
        return in;
    }

    static DataType dataType(int onnxType) {
        return switch (onnxType) {
            case OnnxModelBuilder.FLOAT -> DataType.FLOAT;
            case OnnxModelBuilder.DOUBLE -> DataType.DOUBLE;
            case OnnxModelBuilder.INT64 -> DataType.LONG;
            case OnnxModelBuilder.INT32 -> DataType.INT;
            case OnnxModelBuilder.BOOL -> DataType.BOOL;
            default -> throw new IllegalArgumentException("no generator for ONNX type " + onnxType);
        };
    }

    static Gen defaultGen(DataType t) {
        if (t.isFPType()) {
            return uniform(-2, 2);
        }
        if (t == DataType.BOOL) {
            return bools();
        }
        return ints(-5, 5);
    }

    // ---- generators -------------------------------------------------------------------------------------

    public static Gen uniform(double lo, double hi) {
        return (r, shape, t) -> {
            double[] v = new double[(int) len(shape)];
            for (int i = 0; i < v.length; i++) {
                v[i] = lo + (hi - lo) * r.nextDouble();
            }
            return shaped(Nd4j.createFromArray(v), shape).castTo(t);
        };
    }

    /** Uniform integers in {@code [lo, hi]}. */
    public static Gen ints(long lo, long hi) {
        return (r, shape, t) -> {
            long[] v = new long[(int) len(shape)];
            for (int i = 0; i < v.length; i++) {
                v[i] = lo + (long) r.nextInt((int) (hi - lo + 1));
            }
            return shaped(Nd4j.createFromArray(v), shape).castTo(t);
        };
    }

    public static Gen bools() {
        return (r, shape, t) -> {
            boolean[] v = new boolean[(int) len(shape)];
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextBoolean();
            }
            return shaped(Nd4j.createFromArray(v), shape);
        };
    }

    /** Values drawn from a small set (e.g. to provoke ties and exact equality). */
    public static Gen choice(double... values) {
        return (r, shape, t) -> {
            double[] v = new double[(int) len(shape)];
            for (int i = 0; i < v.length; i++) {
                v[i] = values[r.nextInt(values.length)];
            }
            return shaped(Nd4j.createFromArray(v), shape).castTo(t);
        };
    }

    private static long len(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            fail("test input too large");
        }
        return n;
    }

    private static INDArray shaped(INDArray flat, long[] shape) {
        return flat.reshape('c', shape);
    }
}
