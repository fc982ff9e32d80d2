package org.coft.clip.onnx.ops;

import java.util.ArrayList;
import java.util.List;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.TensorType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Neural-network operators: MatMul, Gemm, Conv, pooling, BatchNormalization (inference), Softmax,
 * LayerNormalization, reductions, ArgMax, and the fused ops produced by the rewrite passes ({@code Linear},
 * {@code QuickGelu} in domain {@value IrNode#FUSED_DOMAIN}).
 */
final class NnOps {
    private NnOps() {
    }

    static void register(OpRegistry r) {
        r.add("MatMul", 1, new MatMul());
        r.add("Gemm", 7, new Gemm());
        r.add("Conv", 1, new Conv());
        r.add("AveragePool", 7, new Pool(Pooling2D.Pooling2DType.AVG));
        r.add("MaxPool", 8, new Pool(Pooling2D.Pooling2DType.MAX));
        r.add("GlobalAveragePool", 1, new GlobalAveragePool());
        r.add("BatchNormalization", 9, new BatchNorm());
        r.add("Softmax", 1, new Softmax());
        r.add("LayerNormalization", 17, new LayerNorm());
        r.add("ReduceMean", 1, new Reduce("mean"));
        r.add("ReduceSum", 1, new Reduce("sum"));
        r.add("ReduceMax", 1, new Reduce("max"));
        r.add("ReduceMin", 1, new Reduce("min"));
        r.add("ReduceL2", 1, new Reduce("l2"));
        r.add("ArgMax", 1, new ArgMax());
        r.addFused("LayerNormalization", new LayerNorm());
        r.addFused("Linear", new Linear());
        r.addFused("QuickGelu", new QuickGelu());
    }

    static final class MatMul implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            List<Dim> a = c.type(0).shape();
            List<Dim> b = c.type(1).shape();
            if (a.size() < 2 || b.size() < 2) {
                throw new UnsupportedOpException("MatMul of rank " + a.size() + " x " + b.size() + " (rank >= 2 supported)");
            }
            List<Dim> batch = ShapeMath.broadcast(a.subList(0, a.size() - 2), b.subList(0, b.size() - 2));
            List<Dim> out = new ArrayList<>(batch);
            out.add(a.get(a.size() - 2));
            out.add(b.get(b.size() - 1));
            return List.of(new TensorType(c.type(0).dataType(), out));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            return List.of(matmul(c, c.in(0), c.type(0).shape(), c.in(1), c.type(1).shape(), infer(c).get(0).shape()));
        }
    }

    /** ONNX MatMul semantics: a rank-n × rank-2 product runs as one 2-D GEMM; equal batch dims as batched GEMM. */
    static SDVariable matmul(EmitContext c, SDVariable a, List<Dim> as, SDVariable b, List<Dim> bs, List<Dim> out) {
        if (as.size() == 2 && bs.size() == 2) {
            return c.sd().mmul(a, b);
        }
        if (bs.size() == 2) {
            SDVariable a2 = c.sd().reshape(a, -1, as.get(as.size() - 1).value());
            return ShapeOps.reshape(c, c.sd().mmul(a2, b), out);
        }
        List<Dim> batch = out.subList(0, out.size() - 2);
        if (!as.subList(0, as.size() - 2).equals(batch)) {
            List<Dim> t = new ArrayList<>(batch);
            t.addAll(as.subList(as.size() - 2, as.size()));
            a = ShapeOps.broadcastTo(c, a, t);
        }
        if (!bs.subList(0, bs.size() - 2).equals(batch)) {
            List<Dim> t = new ArrayList<>(batch);
            t.addAll(bs.subList(bs.size() - 2, bs.size()));
            b = ShapeOps.broadcastTo(c, b, t);
        }
        return c.sd().mmul(a, b);
    }

    static final class Linear implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            List<Dim> out = new ArrayList<>(c.type(0).shape());
            out.set(out.size() - 1, c.type(1).dim(1));
            return List.of(new TensorType(c.type(0).dataType(), out));
        }

        /**
         * One GEMM over all leading dims, then the bias as a separate biasAdd: xw_plus_b's oneDNN kernel in the
         * -onednn builds of M2.1 returns wrong values inside CLIP's MLP, and its bias add is slower than biasAdd
         * on the generic build. (A tensormmul would spare the two reshape copies, but its backprop fails in M2.1
         * for rank-3 x rank-2.)
         */
        @Override
        public List<SDVariable> emit(EmitContext c) {
            List<Dim> xs = c.type(0).shape();
            SDVariable x = c.in(0);
            if (xs.size() != 2) {
                x = c.sd().reshape(x, -1, xs.get(xs.size() - 1).value());
            }
            SDVariable y = c.sd().mmul(x, c.in(1));
            if (c.has(2)) {
                SDVariable bias = c.in(2);
                if (c.rank(2) != 1) {
                    // a shared [1, n] bias stays [1, n] in the graph (another Add may read it); flatten it here
                    bias = c.sd().reshape(bias, c.type(2).shape().stream().mapToLong(Dim::value).reduce(1, (p, q) -> p * q));
                }
                y = c.sd().nn.biasAdd(y, bias, false);
            }
            return List.of(xs.size() == 2 ? y : ShapeOps.reshape(c, y, infer(c).get(0).shape()));
        }
    }

    static final class Gemm implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            boolean ta = c.node().intAttr("transA", 0) != 0;
            boolean tb = c.node().intAttr("transB", 0) != 0;
            Dim m = c.type(0).dim(ta ? 1 : 0);
            Dim n = c.type(1).dim(tb ? 0 : 1);
            return List.of(new TensorType(c.type(0).dataType(), List.of(m, n)));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            boolean ta = c.node().intAttr("transA", 0) != 0;
            boolean tb = c.node().intAttr("transB", 0) != 0;
            double alpha = c.node().floatAttr("alpha", 1.0);
            double beta = c.node().floatAttr("beta", 1.0);
            SDVariable y = c.sd().mmul(c.in(0), c.in(1), ta, tb, false);
            if (alpha != 1.0) {
                y = y.mul(alpha);
            }
            if (c.has(2) && beta != 0.0) {
                SDVariable bias = c.in(2);
                y = y.add(beta == 1.0 ? bias : bias.mul(beta));
            }
            return List.of(y);
        }
    }

    static long[] pads2d(OpContext c) {
        String autoPad = c.node().stringAttr("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
            throw new UnsupportedOpException("auto_pad=" + autoPad + " is not supported (use explicit pads)");
        }
        long[] p = c.node().intsAttr("pads");
        if (p == null) {
            return new long[] {0, 0};
        }
        if (p.length != 4 || p[0] != p[2] || p[1] != p[3]) {
            throw new UnsupportedOpException("asymmetric pads " + java.util.Arrays.toString(p) + " are not supported");
        }
        return new long[] {p[0], p[1]};
    }

    static long attr2(OpContext c, String key, int i, long dflt) {
        long[] v = c.node().intsAttr(key);
        return v == null ? dflt : v[i];
    }

    static Dim convOut(Dim in, long k, long s, long p, long d) {
        if (!in.isKnown()) {
            throw new UnsupportedOpException("convolution over a dynamic spatial dimension");
        }
        return Dim.of((in.value() + 2 * p - d * (k - 1) - 1) / s + 1);
    }

    static final class Conv implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            if (c.rank(0) != 4) {
                throw new UnsupportedOpException("only 2-D convolution (rank-4 input) is supported, got rank " + c.rank(0));
            }
            if (c.node().intAttr("group", 1) != 1) {
                throw new UnsupportedOpException("grouped convolution (group=" + c.node().intAttr("group", 1) + ")");
            }
            List<Dim> x = c.type(0).shape();
            List<Dim> w = c.type(1).shape();
            long[] p = pads2d(c);
            Dim h = convOut(x.get(2), w.get(2).value(), attr2(c, "strides", 0, 1), p[0], attr2(c, "dilations", 0, 1));
            Dim wd = convOut(x.get(3), w.get(3).value(), attr2(c, "strides", 1, 1), p[1], attr2(c, "dilations", 1, 1));
            return List.of(new TensorType(c.type(0).dataType(), List.of(x.get(0), w.get(0), h, wd)));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            List<Dim> w = c.type(1).shape();
            long[] p = pads2d(c);
            Conv2DConfig cfg = Conv2DConfig.builder()
                    .kH(w.get(2).value()).kW(w.get(3).value())
                    .sH(attr2(c, "strides", 0, 1)).sW(attr2(c, "strides", 1, 1))
                    .pH(p[0]).pW(p[1])
                    .dH(attr2(c, "dilations", 0, 1)).dW(attr2(c, "dilations", 1, 1))
                    .paddingMode(PaddingMode.VALID).dataFormat("NCHW").weightsFormat(WeightsFormat.YXIO)
                    .build();
            // ONNX weights are [out, in, kh, kw]; conv2d's backprop in M2.1 fails validation for that (OIYX)
            // layout, so the weight keeps its ONNX layout as a variable and is permuted in the graph
            SDVariable weight = c.sd().permute(c.in(1), 2, 3, 1, 0);
            SDVariable bias = c.has(2) ? c.in(2) : null;
            return List.of(bias == null ? c.sd().cnn.conv2d(c.in(0), weight, cfg) : c.sd().cnn.conv2d(c.in(0), weight, bias, cfg));
        }
    }

    static final class Pool implements OpConverter {
        private final Pooling2D.Pooling2DType type;

        Pool(Pooling2D.Pooling2DType type) {
            this.type = type;
        }

        @Override
        public List<TensorType> infer(OpContext c) {
            if (c.rank(0) != 4) {
                throw new UnsupportedOpException("only 2-D pooling is supported");
            }
            if (c.node().intAttr("ceil_mode", 0) != 0) {
                throw new UnsupportedOpException("ceil_mode=1 is not supported");
            }
            List<Dim> x = c.type(0).shape();
            long[] p = pads2d(c);
            long kh = attr2(c, "kernel_shape", 0, 1);
            long kw = attr2(c, "kernel_shape", 1, 1);
            Dim h = convOut(x.get(2), kh, attr2(c, "strides", 0, 1), p[0], attr2(c, "dilations", 0, 1));
            Dim w = convOut(x.get(3), kw, attr2(c, "strides", 1, 1), p[1], attr2(c, "dilations", 1, 1));
            return List.of(new TensorType(c.type(0).dataType(), List.of(x.get(0), x.get(1), h, w)));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            long[] p = pads2d(c);
            boolean includePad = c.node().intAttr("count_include_pad", 0) != 0;
            Pooling2DConfig cfg = Pooling2DConfig.builder()
                    .kH(attr2(c, "kernel_shape", 0, 1)).kW(attr2(c, "kernel_shape", 1, 1))
                    .sH(attr2(c, "strides", 0, 1)).sW(attr2(c, "strides", 1, 1))
                    .pH(p[0]).pW(p[1]).dH(attr2(c, "dilations", 0, 1)).dW(attr2(c, "dilations", 1, 1))
                    .type(type).paddingMode(PaddingMode.VALID).isNHWC(false)
                    .divisor(includePad ? Pooling2D.Divisor.INCLUDE_PADDING : Pooling2D.Divisor.EXCLUDE_PADDING)
                    // AvgPooling2D passes 'extra' to libnd4j as the divisor mode (0 exclude, 1 include padding) and
                    // ignores 'divisor'
                    .extra(includePad ? 1.0 : 0.0)
                    .build();
            return List.of(type == Pooling2D.Pooling2DType.AVG ? c.sd().cnn.avgPooling2d(c.in(0), cfg)
                    : c.sd().cnn.maxPooling2d(c.in(0), cfg));
        }
    }

    static final class GlobalAveragePool implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            List<Dim> s = new ArrayList<>(c.type(0).shape());
            for (int i = 2; i < s.size(); i++) {
                s.set(i, Dim.of(1));
            }
            return List.of(new TensorType(c.type(0).dataType(), s));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            int r = c.rank(0);
            int[] axes = new int[r - 2];
            for (int i = 2; i < r; i++) {
                axes[i - 2] = i;
            }
            return List.of(c.sd().mean(c.in(0), true, axes));
        }
    }

    /** Inference-mode batch norm, folded at import into one scale and one shift per channel. */
    static final class BatchNorm implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            if (c.node().outputs().size() > 1 && !c.node().output(1).isEmpty()) {
                throw new UnsupportedOpException("training-mode BatchNormalization (running statistics as outputs)");
            }
            return List.of(c.type(0));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            INDArray scale = c.constant(1);
            INDArray bias = c.constant(2);
            INDArray mean = c.constant(3);
            INDArray var = c.constant(4);
            if (scale == null || bias == null || mean == null || var == null) {
                throw new UnsupportedOpException("BatchNormalization with non-constant parameters");
            }
            double eps = c.node().floatAttr("epsilon", 1e-5);
            INDArray a = scale.div(Transforms.sqrt(var.add(eps), true));
            INDArray b = bias.sub(mean.mul(a));
            long ch = a.length();
            long[] bshape = new long[c.rank(0) - 1];
            java.util.Arrays.fill(bshape, 1);
            bshape[0] = ch;
            SDVariable av = c.sd().constant(a.reshape(bshape).castTo(c.type(0).dataType()));
            SDVariable bv = c.sd().constant(b.reshape(bshape).castTo(c.type(0).dataType()));
            return List.of(c.in(0).mul(av).add(bv));
        }
    }

    static final class Softmax implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            int r = c.rank(0);
            int axis = OpContext.normAxis(c.node().intAttr("axis", c.opset() >= 13 ? -1 : 1), r);
            List<Dim> x = c.type(0).shape();
            if (c.opset() < 13 && axis != r - 1
                    && (ShapeMath.product(x.subList(0, axis)) == null || ShapeMath.product(x.subList(axis, r)) == null)) {
                throw new UnsupportedOpException("Softmax (opset < 13) over axis " + axis + " of " + x
                        + " flattens two symbolic dimensions together");
            }
            return List.of(c.type(0));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            int r = c.rank(0);
            int axis = OpContext.normAxis(c.node().intAttr("axis", c.opset() >= 13 ? -1 : 1), r);
            if (c.opset() < 13 && axis != r - 1) {
                // before opset 13 the input is coerced to 2-D [prod(dims[:axis]), prod(dims[axis:])] and the softmax
                // runs over the second dimension
                List<Dim> x = c.type(0).shape();
                List<Dim> flat = List.of(ShapeMath.product(x.subList(0, axis)), ShapeMath.product(x.subList(axis, r)));
                SDVariable y = c.sd().nn.softmax(ShapeOps.reshape(c, c.in(0), flat), 1);
                return List.of(ShapeOps.reshape(c, y, x));
            }
            return List.of(c.sd().nn.softmax(c.in(0), axis));
        }
    }

    /**
     * Layer normalization over the trailing axes from {@code axis}, written out as mean / variance / rsqrt so
     * that epsilon is honoured exactly (SameDiff's layerNorm op has a fixed epsilon).
     */
    static final class LayerNorm implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            return List.of(c.type(0));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            int r = c.rank(0);
            int axis = OpContext.normAxis(c.node().intAttr("axis", -1), r);
            int[] axes = new int[r - axis];
            for (int i = axis; i < r; i++) {
                axes[i - axis] = i;
            }
            double eps = c.node().floatAttr("epsilon", 1e-5);
            SDVariable x = c.in(0);
            List<Dim> shape = c.type(0).shape();
            boolean flat = r > 2 && axis == r - 1 && shape.get(r - 1).isKnown();
            if (flat) {
                // over the last axis of a [..., D] stream: compute on [N, D]. libnd4j broadcasts a row vector over a
                // 2-D array on a fast path; over rank 3 it computes every element's offset (≈ 25× slower, and the
                // backward's broadcast multiplies were a third of a Phase II step's op time)
                x = c.sd().reshape(x, -1, shape.get(r - 1).value());
                axes = new int[] {1};
            }
            SDVariable mean = c.sd().mean(x, true, axes);
            SDVariable d = x.sub(mean);
            // d·d rather than square(d): the same-shape product's gradient is one pass, pow's derivative three
            SDVariable var = c.sd().mean(d.mul(d), true, axes);
            SDVariable rstd = c.sd().math.rsqrt(var.add(eps));
            SDVariable y;
            if (flat && c.has(1) && c.rank(1) == 1) {
                // rstd [N,1] · γ [1,D] as a rank-1 matmul, then one same-shape product: the backward is two GEMVs
                // and one elementwise pass instead of two broadcast products whose gradients reduce over a
                // broadcast axis (libnd4j's multiply_bp takes ~5 ms per [3200, 64] call on one core)
                SDVariable scale = c.sd().mmul(rstd, c.sd().reshape(c.in(1), 1, shape.get(r - 1).value()));
                y = d.mul(scale);
            } else {
                y = d.mul(rstd);
                if (c.has(1)) {
                    y = y.mul(c.in(1));
                }
            }
            if (c.has(2)) {
                y = flat && c.rank(2) == 1 ? c.sd().nn.biasAdd(y, c.in(2), false) : y.add(c.in(2));
            }
            return List.of(flat ? ShapeOps.reshape(c, y, shape) : y);
        }
    }

    /** x · sigmoid(1.702 x), the activation of OpenAI CLIP models. */
    static final class QuickGelu implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            return List.of(c.type(0));
        }

        /** ND4J's (non-precise) gelu is exactly x · sigmoid(1.702 x): one pass instead of three for that alpha. */
        @Override
        public List<SDVariable> emit(EmitContext c) {
            double alpha = c.node().floatAttr("alpha", 1.702);
            SDVariable x = c.in(0);
            if ((float) alpha == 1.702f) {
                return List.of(c.sd().nn.gelu(x));
            }
            return List.of(x.mul(c.sd().nn.sigmoid(x.mul(alpha))));
        }
    }

    static final class Reduce implements OpConverter {
        private final String kind;

        Reduce(String kind) {
            this.kind = kind;
        }

        int[] axes(OpContext c) {
            int r = c.rank(0);
            long[] a = c.axes(1);
            if (a == null || a.length == 0) {
                if (c.node().intAttr("noop_with_empty_axes", 0) != 0) {
                    return new int[0];
                }
                int[] all = new int[r];
                for (int i = 0; i < r; i++) {
                    all[i] = i;
                }
                return all;
            }
            return OpContext.normAxes(a, r);
        }

        @Override
        public List<TensorType> infer(OpContext c) {
            int[] ax = axes(c);
            boolean keep = c.node().intAttr("keepdims", 1) != 0;
            List<Dim> out = new ArrayList<>();
            List<Dim> in = c.type(0).shape();
            for (int i = 0; i < in.size(); i++) {
                if (java.util.Arrays.binarySearch(ax, i) >= 0) {
                    if (keep) {
                        out.add(Dim.of(1));
                    }
                } else {
                    out.add(in.get(i));
                }
            }
            return List.of(new TensorType(c.type(0).dataType(), out));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            int[] ax = axes(c);
            if (ax.length == 0) {
                return List.of(c.sd().identity(c.in(0)));
            }
            boolean keep = c.node().intAttr("keepdims", 1) != 0;
            SDVariable x = c.in(0);
            boolean rank2 = c.rank(0) == 2;
            if (rank2) {
                // libnd4j's legacy reductions fail (NPE in ReduceOp.noOp) on a vector-shaped [1,n] / [n,1] input
                // reduced over its unit dim, e.g. batch 1 reduced over the batch: add a trailing unit axis
                List<Dim> s3 = new ArrayList<>(c.type(0).shape());
                s3.add(Dim.of(1));
                x = ShapeOps.reshape(c, x, s3);
                keep = true;
            }
            SDVariable y = switch (kind) {
                case "mean" -> c.sd().mean(x, keep, ax);
                case "sum" -> c.sd().sum(x, keep, ax);
                case "max" -> c.sd().max(x, keep, ax);
                case "min" -> c.sd().min(x, keep, ax);
                case "l2" -> c.sd().norm2(x, keep, ax);
                default -> throw new IllegalStateException(kind);
            };
            return List.of(rank2 ? ShapeOps.reshape(c, y, infer(c).get(0).shape()) : y);
        }
    }

    static final class ArgMax implements OpConverter {
        @Override
        public List<TensorType> infer(OpContext c) {
            if (c.node().intAttr("select_last_index", 0) != 0) {
                throw new UnsupportedOpException("ArgMax select_last_index=1");
            }
            int axis = OpContext.normAxis(c.node().intAttr("axis", 0), c.rank(0));
            boolean keep = c.node().intAttr("keepdims", 1) != 0;
            List<Dim> out = new ArrayList<>(c.type(0).shape());
            if (keep) {
                out.set(axis, Dim.of(1));
            } else {
                out.remove(axis);
            }
            return List.of(new TensorType(DataType.LONG, out));
        }

        @Override
        public List<SDVariable> emit(EmitContext c) {
            int axis = OpContext.normAxis(c.node().intAttr("axis", 0), c.rank(0));
            boolean keep = c.node().intAttr("keepdims", 1) != 0;
            return List.of(c.sd().argmax(c.in(0), keep, axis).castTo(DataType.LONG));
        }
    }
}
