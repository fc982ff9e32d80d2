package org.coft.clip.onnx.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.SymInts;
import org.coft.clip.onnx.ir.TensorType;
import org.coft.clip.onnx.parse.OnnxTensors;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.Select;

/** Element-wise operators: arithmetic and comparisons with numpy broadcasting, unary maths, Cast, Where. */
final class ElementwiseOps {
    private ElementwiseOps() {
    }

    static void register(OpRegistry r) {
        r.add("Add", 7, binary((sd, a, b) -> a.add(b), Dim::plus));
        r.add("Sub", 7, binary((sd, a, b) -> a.sub(b), (a, b) -> {
            Dim negB = b.times(Dim.of(-1));
            return negB == null ? null : a.plus(negB);
        }));
        r.add("Mul", 7, binary((sd, a, b) -> a.mul(b), Dim::times));
        // ONNX integer division truncates toward zero (Dim.dividedBy floors)
        r.add("Div", 7, binary((sd, a, b) -> a.div(b),
                (a, b) -> a.isKnown() && b.isKnown() && b.value() != 0 ? Dim.of(a.value() / b.value()) : a.dividedBy(b)));
        r.add("Pow", 7, new Pow());
        r.add("Max", 8, variadic((sd, a, b) -> sd.math.max(a, b)));
        r.add("Min", 8, variadic((sd, a, b) -> sd.math.min(a, b)));
        r.add("Equal", 7, compare((sd, a, b) -> sd.eq(a, b), ElementwiseOps::symEqual));
        r.add("Less", 7, compare((sd, a, b) -> sd.lt(a, b), null));
        r.add("Greater", 7, compare((sd, a, b) -> sd.gt(a, b), null));
        r.add("LessOrEqual", 12, compare((sd, a, b) -> sd.lte(a, b), null));
        r.add("GreaterOrEqual", 12, compare((sd, a, b) -> sd.gte(a, b), null));
        r.add("And", 7, logical((sd, a, b) -> sd.math.and(a, b)));
        r.add("Or", 7, logical((sd, a, b) -> sd.math.or(a, b)));
        r.add("Not", 1, unary((sd, x) -> sd.math.xor(x, sd.constant(org.nd4j.linalg.factory.Nd4j.scalar(true)))));
        r.add("Sqrt", 6, unary((sd, x) -> sd.math.sqrt(x)));
        r.add("Exp", 6, unary((sd, x) -> sd.math.exp(x)));
        r.add("Log", 6, unary((sd, x) -> sd.math.log(x)));
        r.add("Sigmoid", 6, unary((sd, x) -> sd.nn.sigmoid(x)));
        r.add("Tanh", 6, unary((sd, x) -> sd.math.tanh(x)));
        r.add("Relu", 6, unary((sd, x) -> sd.nn.relu(x, 0)));
        r.add("Erf", 9, unary((sd, x) -> sd.math.erf(x)));
        r.add("Neg", 6, unary((sd, x) -> x.neg()));
        r.add("Abs", 6, unary((sd, x) -> sd.math.abs(x)));
        r.add("Reciprocal", 6, unary((sd, x) -> sd.math.reciprocal(x)));
        r.add("Floor", 6, unary((sd, x) -> sd.math.floor(x)));
        r.add("Ceil", 6, unary((sd, x) -> sd.math.ceil(x)));
        r.add("Identity", 1, new Identity());
        r.add("Cast", 6, new Cast());
        r.add("Where", 9, new Where());
    }

    interface Bin {
        SDVariable apply(SameDiff sd, SDVariable a, SDVariable b);
    }

    interface Un {
        SDVariable apply(SameDiff sd, SDVariable x);
    }

    /** Broadcasting binary op; {@code symbolic} evaluates it on dims (null: no import-time evaluation). */
    static OpConverter binary(Bin op, BinaryOperator<Dim> symbolic) {
        return broadcasting(op, symbolic, null);
    }

    /** Broadcasting comparison or logic op: as {@link #binary}, with a boolean result. */
    static OpConverter compare(Bin op, BinaryOperator<Dim> symbolic) {
        return broadcasting(op, symbolic, DataType.BOOL);
    }

    private static OpConverter broadcasting(Bin op, BinaryOperator<Dim> symbolic, DataType resultType) {
        return new OpConverter() {
            @Override
            public List<TensorType> infer(OpContext c) {
                DataType t = resultType != null ? resultType : c.type(0).dataType();
                return List.of(new TensorType(t, ShapeMath.broadcast(c.type(0).shape(), c.type(1).shape())));
            }

            @Override
            public List<SymInts> foldSymbolic(OpContext c) {
                return symbolic == null ? null : zip(c.ints(0), c.ints(1), symbolic);
            }

            @Override
            public List<SDVariable> emit(EmitContext c) {
                return List.of(op.apply(c.sd(), c.in(0), c.in(1)));
            }
        };
    }

    /** Max/Min over 1..n inputs with numpy broadcasting, folded pairwise. */
    static OpConverter variadic(Bin op) {
        return new OpConverter() {
            @Override
            public List<TensorType> infer(OpContext c) {
                List<Dim> s = c.type(0).shape();
                for (int i = 1; i < c.inputCount(); i++) {
                    s = ShapeMath.broadcast(s, c.type(i).shape());
                }
                return List.of(new TensorType(c.type(0).dataType(), s));
            }

            @Override
            public List<SDVariable> emit(EmitContext c) {
                SDVariable y = c.in(0);
                for (int i = 1; i < c.inputCount(); i++) {
                    y = op.apply(c.sd(), y, c.in(i));
                }
                return List.of(c.inputCount() == 1 ? c.sd().identity(y) : y);
            }
        };
    }

    /**
     * And/Or: SameDiff's boolean pairwise ops do not broadcast (they read past the smaller operand), so both
     * operands are broadcast to the output shape first.
     */
    static OpConverter logical(Bin op) {
        return new OpConverter() {
            @Override
            public List<TensorType> infer(OpContext c) {
                return List.of(new TensorType(DataType.BOOL, ShapeMath.broadcast(c.type(0).shape(), c.type(1).shape())));
            }

            @Override
            public List<SDVariable> emit(EmitContext c) {
                List<Dim> out = infer(c).get(0).shape();
                SDVariable a = c.type(0).shape().equals(out) ? c.in(0) : ShapeOps.broadcastTo(c, c.in(0), out);
                SDVariable b = c.type(1).shape().equals(out) ? c.in(1) : ShapeOps.broadcastTo(c, c.in(1), out);
                return List.of(op.apply(c.sd(), a, b));
            }
        };
    }

    static OpConverter unary(Un op) {
        return new OpConverter() {
            @Override
            public List<TensorType> infer(OpContext c) {
                return List.of(c.type(0));
            }

            @Override
            public List<SDVariable> emit(EmitContext c) {
                return List.of(op.apply(c.sd(), c.in(0)));
            }
        };
    }

    /** Element-wise evaluation of two small integer tensors (scalar/vector broadcasting). */
    static List<SymInts> zip(SymInts a, SymInts b, BinaryOperator<Dim> f) {
        if (a == null || b == null) {
            return null;
        }
        int n = Math.max(a.size(), b.size());
        if (a.size() != n && a.size() != 1 || b.size() != n && b.size() != 1) {
            return null;
        }
        List<Dim> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Dim r = f.apply(a.get(a.size() == 1 ? 0 : i), b.get(b.size() == 1 ? 0 : i));
            if (r == null) {
                return null;
            }
            out.add(r);
        }
        long[] shape = a.shape().length >= b.shape().length ? a.shape() : b.shape();
        return List.of(new SymInts(shape, out));
    }

    /** Equality on dims; a symbolic size equals no negative constant. Null when undecidable. */
    static Dim symEqual(Dim a, Dim b) {
        if (a.isKnown() && b.isKnown()) {
            return Dim.of(a.value() == b.value() ? 1 : 0);
        }
        if (a.equals(b)) {
            return Dim.of(1);
        }
        Dim known = a.isKnown() ? a : b.isKnown() ? b : null;
        if (known != null && known.value() < 0) {
            return Dim.of(0);
        }
        return null;
    }

    static final class Pow implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            return List.of(new TensorType(c.type(0).dataType(), ShapeMath.broadcast(c.type(0).shape(), c.type(1).shape())));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            INDArray e = c.constant(1);
            if (e != null && e.length() == 1 && c.type(1).rank() <= c.type(0).rank()) {
                double p = e.getDouble(0);
                if (p == 2.0) {
                    return List.of(c.sd().math.square(c.in(0)));
                }
                if (p == 1.0) {
                    return List.of(c.sd().identity(c.in(0)));
                }
                if (p == 0.5) {
                    return List.of(c.sd().math.sqrt(c.in(0)));
                }
                return List.of(c.sd().math.pow(c.in(0), p));
            }
            SDVariable exponent = c.in(1);
            if (c.type(1).dataType() != c.type(0).dataType()) {
                exponent = exponent.castTo(c.type(0).dataType());
            }
            return List.of(c.sd().math.pow(c.in(0), exponent));
        }
    }

    static final class Identity implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            return List.of(c.type(0));
        }

        @Override
        public List<SymInts> foldSymbolic(OpContext c) {
            SymInts s = c.ints(0);
            return s == null ? null : List.of(s);
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            return List.of(c.sd().identity(c.in(0)));
        }
    }

    static final class Cast implements OpConverter {
        DataType target(OpContext c) {
            DataType t = OnnxTensors.dataType((int) c.node().intAttr("to", 1));
            if (t == null) {
                throw new UnsupportedOpException("Cast to ONNX type code " + c.node().intAttr("to", -1) + " is not supported");
            }
            return t;
        }

        @Override
        public List<TensorType> infer(OpContext c) {
            return List.of(new TensorType(target(c), c.type(0).shape()));
        }

        @Override
        public List<SymInts> foldSymbolic(OpContext c) {
            SymInts s = c.ints(0);
            return s != null && target(c).isIntType() ? List.of(s) : null;
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            DataType t = target(c);
            if (c.type(0).dataType() == t) {
                return List.of(c.sd().identity(c.in(0)));
            }
            return List.of(c.in(0).castTo(t));
        }
    }

    static final class Where implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            List<org.coft.clip.onnx.ir.Dim> s = ShapeMath.broadcast(c.type(0).shape(),
                    ShapeMath.broadcast(c.type(1).shape(), c.type(2).shape()));
            return List.of(new TensorType(c.type(1).dataType(), s));
        }

        @Override
        public List<SymInts> foldSymbolic(OpContext c) {
            SymInts cond = c.ints(0);
            SymInts x = c.ints(1);
            SymInts y = c.ints(2);
            if (cond == null || x == null || y == null || !cond.isFullyKnown()) {
                return null;
            }
            List<SymInts> sel = zip(x, y, (a, b) -> a);
            if (sel == null) {
                return null;
            }
            int n = Math.max(cond.size(), sel.get(0).size());
            List<Dim> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                boolean pick = cond.get(cond.size() == 1 ? 0 : i).value() != 0;
                SymInts from = pick ? x : y;
                out.add(from.get(from.size() == 1 ? 0 : i));
            }
            return List.of(new SymInts(new long[] {n}, out));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            List<Dim> shape = infer(c).get(0).shape();
            SDVariable cond = c.in(0);
            SDVariable x = c.in(1);
            SDVariable y = c.in(2);
            // select needs equal shapes: broadcast the operands first where they differ. (WhereNumpy cannot be
            // used: it does not implement calculateOutputDataTypes, so SameDiff rejects it when the graph is built.)
            x = broadcastTo(c, x, c.type(1).shape(), shape);
            y = broadcastTo(c, y, c.type(2).shape(), shape);
            cond = broadcastTo(c, cond, c.type(0).shape(), shape);
            return List.of(new Select(c.sd(), new SDVariable[] {cond, x, y}).outputVariable());
        }

        private static SDVariable broadcastTo(EmitContext c, SDVariable v, List<Dim> from, List<Dim> to) {
            if (from.equals(to)) {
                return v;
            }
            return ShapeOps.broadcastTo(c, v, to);
        }
    }

}
