package org.coft.clip.onnx.ops;

import java.util.ArrayList;
import java.util.List;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.SymInts;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.custom.Triu;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Indexing and generating operators: Slice, Gather, Split, ConstantOfShape, Range, Trilu. Constant-index
 * picks are emitted as strided slices, which SameDiff can differentiate (its Gather backprop is broken in
 * M2.1).
 */
final class IndexOps {
    private IndexOps() {
    }

    static void register(OpRegistry r) {
        r.add("Slice", 10, new Slice());
        r.add("Gather", 1, new Gather());
        r.add("Split", 2, new Split());
        r.add("ConstantOfShape", 9, new ConstantOfShape());
        r.add("Range", 11, new Range());
        r.add("Trilu", 14, new Trilu());
        r.add("Pad", 11, new Pad());
    }

    /** A resolved slice along every axis: begin, end (exclusive), step, and output dims. */
    record Plan(long[] begin, long[] end, long[] step, int beginMask, int endMask, List<Dim> out) { }

    static Plan slicePlan(List<Dim> in, long[] starts, long[] ends, long[] axes, long[] steps) {
        int r = in.size();
        long[] b = new long[r];
        long[] e = new long[r];
        long[] s = new long[r];
        int bm = 0;
        int em = 0;
        List<Dim> out = new ArrayList<>(in);
        for (int i = 0; i < r; i++) {
            s[i] = 1;
            bm |= 1 << i;
            em |= 1 << i;
        }
        for (int k = 0; k < starts.length; k++) {
            int ax = OpContext.normAxis(axes == null ? k : axes[k], r);
            long step = steps == null ? 1 : steps[k];
            if (step == 0) {
                throw new UnsupportedOpException("Slice step 0");
            }
            Dim d = in.get(ax);
            s[ax] = step;
            long st = starts[k];
            long en = ends[k];
            if (!d.isKnown()) {
                // a dynamic (batch) axis: only whole-range slices are representable
                boolean full = step == 1 && st == 0 && en >= Integer.MAX_VALUE;
                if (!full) {
                    throw new UnsupportedOpException("Slice of the dynamic axis " + ax + " (" + d + ") from " + st + " to " + en);
                }
                continue;
            }
            long n = d.value();
            if (st < 0) {
                st += n;
            }
            if (en < 0) {
                en += n;
            }
            if (step > 0) {
                st = Math.max(0, Math.min(n, st));
                en = Math.max(0, Math.min(n, en));
                out.set(ax, Dim.of(Math.max(0, (en - st + step - 1) / step)));
            } else {
                st = Math.max(0, Math.min(n - 1, st));
                en = Math.max(-1, Math.min(n - 1, en));
                out.set(ax, Dim.of(Math.max(0, (st - en + (-step) - 1) / (-step))));
            }
            b[ax] = st;
            e[ax] = en;
            bm &= ~(1 << ax);
            if (en == -1 && step < 0) {
                continue; // keep end mask: run to the start
            }
            em &= ~(1 << ax);
        }
        return new Plan(b, e, s, bm, em, out);
    }

    static SDVariable emitSlice(EmitContext c, SDVariable x, Plan p) {
        return c.sd().stridedSlice(x, p.begin(), p.end(), p.step(), p.beginMask(), p.endMask(), 0, 0, 0);
    }

    static final class Slice implements OpConverter {
        Plan plan(OpContext c) {
            long[] starts = c.requireInts(1, "Slice starts");
            long[] ends = c.requireInts(2, "Slice ends");
            long[] axes = c.has(3) ? c.requireInts(3, "Slice axes") : null;
            long[] steps = c.has(4) ? c.requireInts(4, "Slice steps") : null;
            return slicePlan(c.type(0).shape(), starts, ends, axes, steps);
        }

        @Override
        public List<TensorType> infer(OpContext c) {
            return List.of(new TensorType(c.type(0).dataType(), plan(c).out()));
        }

        @Override
        public List<SymInts> foldSymbolic(OpContext c) {
            SymInts x = c.ints(0);
            if (x == null || x.isScalar()) {
                return null;
            }
            Plan p = plan(c);
            List<Dim> out = new ArrayList<>();
            long n = p.out().get(0).value();
            long st = (p.beginMask() & 1) != 0 ? (p.step()[0] > 0 ? 0 : x.size() - 1) : p.begin()[0];
            for (long i = 0; i < n; i++) {
                out.add(x.get((int) (st + i * p.step()[0])));
            }
            return List.of(SymInts.vector(out));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            Plan p = plan(c);
            SDVariable x = c.in(0);
            // libnd4j's strided_slice returns wrong data for negative strides (M2.1): reverse those axes and
            // slice them forward instead (index i of the reversed axis is n-1-i of the original)
            List<Dim> in = c.type(0).shape();
            long[] b = p.begin().clone();
            long[] e = p.end().clone();
            long[] s = p.step().clone();
            int em = p.endMask();
            List<Integer> reversed = new ArrayList<>();
            for (int i = 0; i < s.length; i++) {
                if (s[i] < 0) {
                    long n = in.get(i).value();
                    b[i] = n - 1 - b[i];
                    e[i] = n - 1 - e[i];
                    s[i] = -s[i];
                    em &= ~(1 << i);
                    reversed.add(i);
                }
            }
            if (!reversed.isEmpty()) {
                x = c.sd().reverse(x, reversed.stream().mapToInt(Integer::intValue).toArray());
                p = new Plan(b, e, s, p.beginMask(), em, p.out());
            }
            return List.of(emitSlice(c, x, p));
        }
    }

    static final class Gather implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            List<Dim> data = c.type(0).shape();
            int axis = OpContext.normAxis(c.node().intAttr("axis", 0), data.size());
            INDArray idx = c.constant(1);
            if (idx != null && data.get(axis).isKnown()) {
                checkIndices(idx, data.get(axis).value(), axis);
            }
            List<Dim> out = new ArrayList<>(data.subList(0, axis));
            out.addAll(c.type(1).shape());
            out.addAll(data.subList(axis + 1, data.size()));
            return List.of(new TensorType(c.type(0).dataType(), out));
        }

        @Override
        public List<SymInts> foldSymbolic(OpContext c) {
            SymInts data = c.ints(0);
            SymInts idx = c.ints(1);
            if (data == null || idx == null || data.isScalar() || !idx.isFullyKnown()) {
                return null;
            }
            List<Dim> out = new ArrayList<>();
            for (long i : idx.knownValues()) {
                if (i < -data.size() || i >= data.size()) {
                    throw new IllegalArgumentException("index " + i + " is out of range for a shape value of "
                            + data.size() + " elements");
                }
                out.add(data.get((int) (i < 0 ? i + data.size() : i)));
            }
            return List.of(idx.isScalar() ? SymInts.scalar(out.get(0)) : new SymInts(idx.shape(), out));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            List<Dim> data = c.type(0).shape();
            int axis = OpContext.normAxis(c.node().intAttr("axis", 0), data.size());
            INDArray idx = c.constant(1);
            TensorType outType = infer(c).get(0);
            if (idx != null && idx.length() == 1 && data.get(axis).isKnown()) {
                long i = idx.getLong(0);
                if (i < 0) {
                    i += data.get(axis).value();
                }
                Plan p = slicePlan(data, new long[] {i}, new long[] {i + 1}, new long[] {axis}, null);
                SDVariable sliced = emitSlice(c, c.in(0), p);
                return List.of(ShapeOps.reshape(c, sliced, outType.shape()));
            }
            if (idx == null && c.constant(0) == null && axis == 0) {
                return List.of(oneHotGather(c, data, outType));
            }
            SDVariable indices = c.in(1);
            if (idx != null && data.get(axis).isKnown() && idx.minNumber().longValue() < 0) {
                INDArray fixed = idx.dup();
                long n = data.get(axis).value();
                for (long k = 0; k < fixed.length(); k++) {
                    long v = fixed.getLong(k);
                    fixed.putScalar(k, v < 0 ? v + n : v);
                }
                indices = c.sd().constant(fixed);
            } else if (idx == null || idx.minNumber().longValue() < 0) {
                // ONNX allows negative indices; libnd4j's gather reads out of bounds on them (a JVM crash), so
                // wrap them at run time: i + n·(i < 0), n read from the input when the axis is dynamic
                DataType it = c.type(1).dataType();
                SDVariable negative = c.sd().lt(indices, c.sd().constant(Nd4j.scalar(0L).castTo(it))).castTo(it);
                Dim n = data.get(axis);
                indices = indices.add(n.isKnown() ? negative.mul(n.value())
                        : negative.mul(c.materialize(SymInts.scalar(n)).castTo(it)));
            }
            return List.of(c.sd().gather(c.in(0), indices, axis));
        }
    }

    /**
     * Gather of rows of an activation by runtime indices (e.g. CLIP's end-of-text pooling), written as a
     * one-hot matrix product so that gradients flow into the activation: SameDiff's Gather backprop is broken
     * in M2.1 (see FACTS). Costs K·N·W multiply-adds for K indices into N rows of width W.
     */
    static SDVariable oneHotGather(EmitContext c, List<Dim> data, TensorType outType) {
        DataType dt = c.type(0).dataType();
        Dim n = data.get(0);
        SDVariable rows = n.isKnown() ? c.sd().constant(Nd4j.scalar(n.value())) : c.materialize(SymInts.scalar(n));
        SDVariable range = c.sd().range(c.sd().constant(Nd4j.scalar(0L)), rows, c.sd().constant(Nd4j.scalar(1L)),
                DataType.LONG);
        SDVariable idx = c.sd().reshape(c.in(1).castTo(DataType.LONG), -1, 1);
        // ONNX allows negative indices (a one-hot row of -1 would be all zeros): wrap them, i + n·(i < 0)
        idx = idx.add(c.sd().lt(idx, c.sd().constant(Nd4j.scalar(0L))).castTo(DataType.LONG).mul(rows));
        SDVariable oneHot = c.sd().eq(idx, c.sd().reshape(range, 1, -1)).castTo(dt);
        long rest = 1;
        for (int i = 1; i < data.size(); i++) {
            if (!data.get(i).isKnown()) {
                throw new UnsupportedOpException("Gather of rows with a dynamic trailing dimension");
            }
            rest *= data.get(i).value();
        }
        SDVariable flat = data.size() == 2 ? c.in(0) : c.sd().reshape(c.in(0), -1, rest);
        return ShapeOps.reshape(c, c.sd().mmul(oneHot, flat), outType.shape());
    }

    /** ONNX Gather indices must lie in [−n, n − 1]; libnd4j reads out of bounds (a JVM crash) on others. */
    static void checkIndices(INDArray idx, long n, int axis) {
        if (!idx.dataType().isIntType()) {
            throw new IllegalArgumentException("indices must be integers, got " + idx.dataType());
        }
        if (idx.length() == 0) {
            return;
        }
        long min = idx.minNumber().longValue();
        long max = idx.maxNumber().longValue();
        if (min < -n || max >= n) {
            throw new IllegalArgumentException("indices span [" + min + ", " + max + "] but axis " + axis + " has size "
                    + n + " (allowed: " + (-n) + " … " + (n - 1) + ")");
        }
    }

    static final class Split implements OpConverter {
        long[] sizes(OpContext c) {
            List<Dim> s = c.type(0).shape();
            int axis = OpContext.normAxis(c.node().intAttr("axis", 0), s.size());
            long[] split = c.node().intsAttr("split");
            if (split == null && c.has(1)) {
                split = c.requireInts(1, "Split sizes");
            }
            int n = c.node().outputs().size();
            if (split == null) {
                if (!s.get(axis).isKnown()) {
                    throw new UnsupportedOpException("Split of a dynamic axis");
                }
                long total = s.get(axis).value();
                long chunk = (total + n - 1) / n;
                split = new long[n];
                for (int i = 0; i < n; i++) {
                    split[i] = Math.min(chunk, total - i * chunk);
                }
            }
            return split;
        }

        @Override
        public List<TensorType> infer(OpContext c) {
            List<Dim> s = c.type(0).shape();
            int axis = OpContext.normAxis(c.node().intAttr("axis", 0), s.size());
            List<TensorType> out = new ArrayList<>();
            for (long size : sizes(c)) {
                List<Dim> o = new ArrayList<>(s);
                o.set(axis, Dim.of(size));
                out.add(new TensorType(c.type(0).dataType(), o));
            }
            return out;
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            List<Dim> s = c.type(0).shape();
            int axis = OpContext.normAxis(c.node().intAttr("axis", 0), s.size());
            List<SDVariable> out = new ArrayList<>();
            long start = 0;
            for (long size : sizes(c)) {
                Plan p = slicePlan(s, new long[] {start}, new long[] {start + size}, new long[] {axis}, null);
                out.add(emitSlice(c, c.in(0), p));
                start += size;
            }
            return out;
        }
    }

    static final class ConstantOfShape implements OpConverter {
        INDArray value(OpContext c) {
            var a = c.node().attrs().get("value");
            return a == null ? Nd4j.scalar(0f) : a.tensor();
        }

        @Override
        public List<TensorType> infer(OpContext c) {
            SymInts s = c.ints(0);
            if (s == null) {
                throw new UnsupportedOpException("ConstantOfShape shape must be computable at import");
            }
            return List.of(new TensorType(value(c).dataType(), s.elements()));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            SymInts s = c.ints(0);
            INDArray v = value(c);
            if (s.isFullyKnown()) {
                INDArray filled = Nd4j.valueArrayOf(s.knownValues(), v.getDouble(0), v.dataType());
                return List.of(c.sd().constant(filled));
            }
            return List.of(c.sd().fill(c.materialize(s), v.dataType(), v.getDouble(0)));
        }
    }

    static final class Range implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            SymInts start = c.ints(0);
            SymInts limit = c.ints(1);
            SymInts delta = c.ints(2);
            Dim n;
            if (start != null && limit != null && delta != null && start.isFullyKnown() && delta.isFullyKnown()
                    && delta.get(0).value() == 1 && start.get(0).value() == 0) {
                n = limit.get(0);
            } else if (start != null && limit != null && delta != null && start.isFullyKnown() && limit.isFullyKnown()
                    && delta.isFullyKnown()) {
                long s0 = start.get(0).value();
                long d = delta.get(0).value();
                n = Dim.of(Math.max(0, (limit.get(0).value() - s0 + d - (d > 0 ? 1 : -1)) / d));
            } else if (c.constant(0) != null && c.constant(1) != null && c.constant(2) != null) {
                double s0 = c.constant(0).getDouble(0);
                double d = c.constant(2).getDouble(0);
                n = Dim.of((long) Math.max(0, Math.ceil((c.constant(1).getDouble(0) - s0) / d)));
            } else {
                throw new UnsupportedOpException("Range bounds must be computable at import");
            }
            return List.of(new TensorType(c.type(0).dataType(), List.of(n)));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            DataType t = c.type(0).dataType();
            if (c.constant(0) != null && c.constant(1) != null && c.constant(2) != null) {
                // libnd4j's range miscounts when a negative delta does not divide (limit - start): range(10, 2, -3)
                // gave [10, 7]. Constant ranges are built here with the ONNX count ceil((limit - start) / delta).
                long n = infer(c).get(0).dim(0).value();
                double start = c.constant(0).getDouble(0);
                double delta = c.constant(2).getDouble(0);
                double[] v = new double[(int) n];
                for (int i = 0; i < v.length; i++) {
                    v[i] = start + i * delta;
                }
                return List.of(c.sd().constant(Nd4j.createFromArray(v).castTo(t)));
            }
            return List.of(c.sd().range(c.in(0), c.in(1), c.in(2), t));
        }
    }

    static final class Trilu implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            return List.of(c.type(0));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            long k = c.has(1) ? c.requireInts(1, "Trilu k")[0] : 0;
            boolean upper = c.node().intAttr("upper", 1) != 0;
            SDVariable x = c.in(0);
            List<Dim> shape = c.type(0).shape();
            int r = shape.size();
            if (r == 2) {
                // libnd4j's triu treats a [1,n] or [n,1] matrix as a vector (wrong result, e.g. at batch 1): run it
                // on [1, rows, cols]
                List<Dim> s3 = new ArrayList<>(shape);
                s3.add(0, Dim.of(1));
                x = ShapeOps.reshape(c, x, s3);
                r = 3;
            }
            SDVariable y;
            if (upper) {
                y = new Triu(c.sd(), x, (int) k).outputVariable();
            } else {
                // lower(x, k) = upper(xᵀ, -k)ᵀ; subtracting the strict upper part from x would turn infinities
                // (causal masks are -inf) into NaN
                int[] perm = new int[r];
                for (int i = 0; i < r; i++) {
                    perm[i] = i;
                }
                perm[r - 2] = r - 1;
                perm[r - 1] = r - 2;
                SDVariable upperOfT = new Triu(c.sd(), c.sd().permute(x, perm), (int) -k).outputVariable();
                y = c.sd().permute(upperOfT, perm);
            }
            return List.of(r == shape.size() ? y : ShapeOps.reshape(c, y, shape));
        }
    }

    /** Constant-mode padding with pads known at import. */
    static final class Pad implements OpConverter {
        long[] pads(OpContext c) {
            String mode = c.node().stringAttr("mode", "constant");
            if (!mode.equals("constant")) {
                throw new UnsupportedOpException("Pad mode '" + mode + "' (only constant)");
            }
            if (c.has(3)) {
                throw new UnsupportedOpException("Pad with an axes input");
            }
            long[] p = c.requireInts(1, "Pad pads");
            if (java.util.Arrays.stream(p).anyMatch(v -> v < 0)) {
                // checked here (import time, per node) rather than when emitting
                throw new UnsupportedOpException("negative pads " + java.util.Arrays.toString(p));
            }
            return p;
        }

        @Override
        public List<TensorType> infer(OpContext c) {
            long[] p = pads(c);
            List<Dim> in = c.type(0).shape();
            int r = in.size();
            List<Dim> out = new ArrayList<>();
            for (int i = 0; i < r; i++) {
                long add = p[i] + p[i + r];
                Dim d = in.get(i);
                if (add != 0 && !d.isKnown()) {
                    throw new UnsupportedOpException("padding the dynamic axis " + i);
                }
                out.add(add == 0 ? d : Dim.of(d.value() + add));
            }
            return List.of(new TensorType(c.type(0).dataType(), out));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            long[] p = pads(c);
            int r = c.rank(0);
            boolean zero = java.util.Arrays.stream(p).allMatch(v -> v == 0);
            if (zero) {
                return List.of(c.sd().identity(c.in(0)));
            }
            if (java.util.Arrays.stream(p).anyMatch(v -> v < 0)) {
                throw new UnsupportedOpException("negative pads");
            }
            long[][] pp = new long[r][2];
            for (int i = 0; i < r; i++) {
                pp[i][0] = p[i];
                pp[i][1] = p[i + r];
            }
            double value = c.constant(2) != null ? c.constant(2).getDouble(0) : 0.0;
            return List.of(c.sd().nn.pad(c.in(0), c.sd().constant(Nd4j.createFromArray(pp)), value));
        }
    }
}
