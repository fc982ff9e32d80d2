package org.coft.clip.onnx.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.SymInts;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastTo;

/**
 * Operators that move or re-view data: Shape, Reshape, Transpose, Flatten, Unsqueeze, Squeeze, Concat, Expand.
 * Shape arithmetic over a dynamic batch is evaluated at import ({@link #foldSymbolic}), so reshapes become
 * static with at most one {@code -1}.
 */
final class ShapeOps {
    private ShapeOps() {
    }

    static void register(OpRegistry r) {
        r.add("Shape", 1, new Shape());
        r.add("Reshape", 5, new Reshape());
        r.add("Transpose", 1, new Transpose());
        r.add("Flatten", 1, new Flatten());
        r.add("Unsqueeze", 1, new Unsqueeze());
        r.add("Squeeze", 1, new Squeeze());
        r.add("Concat", 4, new Concat());
        r.add("Expand", 8, new Expand());
    }

    /** Reshape to a static shape when at most one dim is symbolic, else to a runtime-computed shape. */
    static SDVariable reshape(EmitContext c, SDVariable x, List<Dim> shape) {
        long[] s = new TensorType(DataType.FLOAT, shape).shapeWithWildcard();
        if (s != null) {
            return c.sd().reshape(x, s);
        }
        return c.sd().reshape(x, c.materialize(SymInts.vector(shape)));
    }

    /**
     * Broadcasts to a shape that may contain symbolic dims. Floating-point values broadcast by adding zeros of
     * the target shape, which SameDiff can differentiate (its BroadcastTo op has no gradient in M2.1).
     */
    static SDVariable broadcastTo(EmitContext c, SDVariable x, List<Dim> shape) {
        SDVariable target = c.materialize(SymInts.vector(shape));
        DataType t = x.dataType();
        if (t != null && t.isFPType()) {
            return x.add(c.sd().fill(target, t, 0.0));
        }
        return new BroadcastTo(c.sd(), x, target).outputVariable();
    }

    static final class Shape implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            return List.of(TensorType.of(DataType.LONG, range(c).size()));
        }

        private List<Dim> range(OpContext c) {
            List<Dim> s = c.type(0).shape();
            int r = s.size();
            long start = c.node().intAttr("start", 0);
            long end = c.node().intAttr("end", r);
            int a = (int) Math.max(0, Math.min(r, start < 0 ? start + r : start));
            int b = (int) Math.max(0, Math.min(r, end < 0 ? end + r : end));
            return s.subList(a, Math.max(a, b));
        }

        @Override
        public List<SymInts> foldSymbolic(OpContext c) {
            return List.of(SymInts.vector(range(c)));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            return List.of(c.materialize(SymInts.vector(range(c))));
        }
    }

    /** Reshape: a re-view whose target shape (0 = copy, one -1 inferred) is computed at import. */
    static final class Reshape extends ReView {
        @Override
        List<Dim> out(OpContext c) {
            SymInts s = c.ints(1);
            if (s == null) {
                throw new UnsupportedOpException("Reshape target shape must be computable at import "
                        + "(constant or derived from input shapes)");
            }
            List<Dim> in = c.type(0).shape();
            boolean allowZero = c.node().intAttr("allowzero", 0) != 0;
            List<Dim> out = new ArrayList<>();
            int wildcard = -1;
            for (int i = 0; i < s.size(); i++) {
                Dim d = s.get(i);
                if (d.isKnown() && d.value() == 0 && !allowZero) {
                    out.add(in.get(i));
                } else if (d.isKnown() && d.value() == -1) {
                    wildcard = i;
                    out.add(null);
                } else {
                    out.add(d);
                }
            }
            if (wildcard >= 0) {
                Dim total = ShapeMath.product(in);
                List<Dim> rest = new ArrayList<>(out);
                rest.remove(wildcard);
                Dim known = ShapeMath.product(rest);
                Dim w = total == null || known == null ? null : total.dividedBy(known);
                if (w == null && known != null && known.isKnown() && total != null) {
                    w = total.dividedBy(known);
                }
                if (w == null && total != null && known != null && !known.isKnown() && total.symbol() != null
                        && total.symbol().equals(known.symbol()) && total.coefficient() % known.coefficient() == 0) {
                    w = Dim.of(total.coefficient() / known.coefficient());
                }
                if (w == null) {
                    throw new UnsupportedOpException("cannot infer the -1 dimension of Reshape from " + in + " to " + s);
                }
                out.set(wildcard, w);
            }
            return out;
        }
    }

    static final class Transpose implements OpConverter {
        int[] perm(OpContext c) {
            long[] p = c.node().intsAttr("perm");
            int r = c.rank(0);
            if (p != null) {
                boolean[] seen = new boolean[r];
                boolean ok = p.length == r;
                for (int i = 0; ok && i < r; i++) {
                    ok = p[i] >= 0 && p[i] < r && !seen[(int) p[i]];
                    if (ok) {
                        seen[(int) p[i]] = true;
                    }
                }
                if (!ok) {
                    throw new IllegalArgumentException("perm " + java.util.Arrays.toString(p)
                            + " is not a permutation of the " + r + " axes of input 0");
                }
            }
            int[] out = new int[r];
            for (int i = 0; i < r; i++) {
                out[i] = p == null ? r - 1 - i : (int) p[i];
            }
            return out;
        }

        @Override
        public List<TensorType> infer(OpContext c) {
            int[] p = perm(c);
            List<Dim> s = new ArrayList<>();
            for (int i : p) {
                s.add(c.type(0).dim(i));
            }
            return List.of(new TensorType(c.type(0).dataType(), s));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            return List.of(c.sd().permute(c.in(0), perm(c)));
        }
    }

    static final class Flatten implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            List<Dim> s = c.type(0).shape();
            int axis = (int) c.node().intAttr("axis", 1);
            if (axis < 0) {
                axis += s.size();
            }
            Dim a = ShapeMath.product(s.subList(0, axis));
            Dim b = ShapeMath.product(s.subList(axis, s.size()));
            if (a == null || b == null) {
                throw new UnsupportedOpException("Flatten over two symbolic dimensions");
            }
            return List.of(new TensorType(c.type(0).dataType(), List.of(a, b)));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            return List.of(reshape(c, c.in(0), infer(c).get(0).shape()));
        }
    }

    /** An op that only re-views its input under a new shape (Reshape, Unsqueeze, Squeeze): emitted as one reshape. */
    abstract static class ReView implements OpConverter {
        abstract List<Dim> out(OpContext c);

        @Override
        public List<TensorType> infer(OpContext c) {
            return List.of(new TensorType(c.type(0).dataType(), out(c)));
        }

        @Override
        public List<SymInts> foldSymbolic(OpContext c) {
            SymInts x = c.ints(0);
            if (x == null) {
                return null;
            }
            long[] shape = out(c).stream().mapToLong(Dim::value).toArray();
            return shape.length <= 1 ? List.of(new SymInts(shape, x.elements())) : null;
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            return List.of(reshape(c, c.in(0), out(c)));
        }
    }

    static final class Unsqueeze extends ReView {
        @Override
        List<Dim> out(OpContext c) {
            long[] axes = c.axes(1);
            List<Dim> in = c.type(0).shape();
            if (axes == null) {
                throw new IllegalArgumentException("Unsqueeze needs axes (an attribute before opset 13, input 1 since)");
            }
            int r = in.size() + axes.length;
            int[] ax = OpContext.normAxes(axes, r);
            List<Dim> out = new ArrayList<>(in);
            for (int a : ax) {
                out.add(a, Dim.of(1));
            }
            return out;
        }
    }

    static final class Squeeze extends ReView {
        @Override
        List<Dim> out(OpContext c) {
            long[] axes = c.axes(1);
            List<Dim> in = c.type(0).shape();
            List<Dim> out = new ArrayList<>();
            if (axes == null && in.stream().anyMatch(d -> !d.isKnown())) {
                // ONNX drops every dim that is 1 at run time, so the output rank would depend on the batch size
                throw new UnsupportedOpException("Squeeze without axes on " + in + " would drop the dynamic dimension "
                        + "when it is 1 (output rank depending on the batch); the model must give axes");
            }
            int[] ax = axes == null ? null : OpContext.normAxes(axes, in.size());
            for (int i = 0; i < in.size(); i++) {
                boolean drop = ax == null ? in.get(i).isKnown() && in.get(i).value() == 1
                        : Arrays.binarySearch(ax, i) >= 0;
                if (!drop) {
                    out.add(in.get(i));
                }
            }
            return out;
        }
    }

    static final class Concat implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            int r = c.rank(0);
            if (r == 0) {
                throw new IllegalArgumentException("Concat of rank-0 values (ONNX needs rank ≥ 1)");
            }
            int axis = OpContext.normAxis(c.node().intAttr("axis", 0), r);
            List<Dim> s = new ArrayList<>(c.type(0).shape());
            Dim sum = Dim.of(0);
            for (int i = 0; i < c.inputCount(); i++) {
                if (!c.has(i)) {
                    continue;
                }
                List<Dim> si = c.type(i).shape();
                if (si.size() != r) {
                    throw new IllegalArgumentException("input " + i + " has rank " + si.size() + " " + si
                            + ", input 0 rank " + r + " " + s + "; Concat needs equal ranks");
                }
                for (int a = 0; a < r; a++) {
                    if (a != axis && s.get(a).isKnown() && si.get(a).isKnown() && s.get(a).value() != si.get(a).value()) {
                        throw new IllegalArgumentException("input " + i + " " + si + " differs from input 0 " + s
                                + " on axis " + a + " (only axis " + axis + " may differ)");
                    }
                }
                sum = sum.plus(c.type(i).dim(axis));
                if (sum == null) {
                    throw new UnsupportedOpException("Concat along a symbolic axis of different symbols");
                }
            }
            s.set(axis, sum);
            return List.of(new TensorType(c.type(0).dataType(), s));
        }

        @Override
        public List<SymInts> foldSymbolic(OpContext c) {
            List<Dim> all = new ArrayList<>();
            for (int i = 0; i < c.inputCount(); i++) {
                SymInts s = c.ints(i);
                if (s == null || s.isScalar()) {
                    return null;
                }
                all.addAll(s.elements());
            }
            return List.of(SymInts.vector(all));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            int axis = OpContext.normAxis(c.node().intAttr("axis", 0), c.rank(0));
            List<SDVariable> parts = new ArrayList<>();
            for (int i = 0; i < c.inputCount(); i++) {
                if (c.has(i) && !(c.type(i).dim(axis).isKnown() && c.type(i).dim(axis).value() == 0)) {
                    parts.add(c.in(i));
                }
            }
            if (parts.size() == 1) {
                return List.of(c.sd().identity(parts.get(0)));
            }
            return List.of(c.sd().concat(axis, parts.toArray(new SDVariable[0])));
        }
    }

    static final class Expand implements OpConverter {
        List<Dim> out(OpContext c) {
            SymInts s = c.ints(1);
            if (s == null) {
                throw new UnsupportedOpException("Expand shape must be computable at import");
            }
            return ShapeMath.broadcast(c.type(0).shape(), s.elements());
        }

        @Override
        public List<TensorType> infer(OpContext c) {
            return List.of(new TensorType(c.type(0).dataType(), out(c)));
        }

        @Override
        public List<SymInts> foldSymbolic(OpContext c) {
            SymInts x = c.ints(0);
            List<Dim> o = out(c);
            if (x == null || o.size() > 1) {
                return null;
            }
            if (o.isEmpty() || o.get(0).isKnown() && o.get(0).value() == x.size()) {
                return List.of(new SymInts(o.isEmpty() ? new long[0] : new long[] {x.size()}, x.elements()));
            }
            if (x.size() == 1 && o.get(0).isKnown()) {
                return List.of(SymInts.vector(java.util.Collections.nCopies((int) o.get(0).value(), x.get(0))));
            }
            return null;
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            List<Dim> o = out(c);
            if (o.equals(c.type(0).shape())) {
                return List.of(c.sd().identity(c.in(0)));
            }
            return List.of(broadcastTo(c, c.in(0), o));
        }
    }
}
