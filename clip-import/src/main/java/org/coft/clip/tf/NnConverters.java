package org.coft.clip.tf;

import static org.coft.clip.tf.TfNodeContext.attrs;
import static org.coft.clip.tf.TfNodeContext.list;

import java.util.Map;
import org.coft.clip.onnx.parse.OnnxTensors;
import org.nd4j.linalg.api.ndarray.INDArray;

/** TF ops with their own math: matrix products, convolution, reductions, arg-max, one-hot. */
final class NnConverters {
    private NnConverters() {
    }

    static void register(TfOpRegistry r) {
        r.add("MatMul", c -> c.emit("MatMul", list(
                transposed(c, 0, c.boolAttr("transpose_a", false), 2),
                transposed(c, 1, c.boolAttr("transpose_b", false), 2)), Map.of()));
        for (String op : new String[] {"BatchMatMul", "BatchMatMulV2", "BatchMatMulV3"}) {
            r.add(op, c -> {
                boolean adjX = c.boolAttr("adj_x", false);
                boolean adjY = c.boolAttr("adj_y", false);
                c.emit("MatMul", list(transposed(c, 0, adjX, adjX ? c.rank(0) : 0),
                        transposed(c, 1, adjY, adjY ? c.rank(1) : 0)), Map.of());
            });
        }
        r.add("Conv2D", NnConverters::conv2d);
        Map<String, String> reduce = Map.of("Mean", "ReduceMean", "Sum", "ReduceSum", "Max", "ReduceMax",
                "Min", "ReduceMin");
        reduce.forEach((tf, onnx) -> r.add(tf, c -> c.emit(onnx, list(c.in(0)), attrs("axes",
                c.ints(1, "reduction_indices"), "keepdims", c.boolAttr("keep_dims", false) ? 1L : 0L))));
        r.add("ArgMax", c -> c.emit("ArgMax", list(c.in(0)), attrs("axis", c.ints(1, "dimension")[0], "keepdims", 0L)));
        // the first smallest element is the first largest of the negation
        r.add("ArgMin", c -> c.emit("ArgMax", list(c.helper("neg", "Neg", list(c.in(0)), Map.of())),
                attrs("axis", c.ints(1, "dimension")[0], "keepdims", 0L)));
        r.add("OneHot", NnConverters::oneHot);
    }

    /** Input i, or its last two axes swapped (a Transpose node; folded at import when the input is a weight). */
    private static String transposed(TfNodeContext c, int i, boolean swap, int rank) {
        if (!swap) {
            return c.in(i);
        }
        long[] perm = new long[rank];
        for (int k = 0; k < rank; k++) {
            perm[k] = k;
        }
        perm[rank - 2] = rank - 1;
        perm[rank - 1] = rank - 2;
        return c.helper("transpose" + i, "Transpose", list(c.in(i)), attrs("perm", perm));
    }

    /**
     * NHWC Conv2D → Transpose to NCHW, Conv with the filter re-laid HWIO → OIHW (at import when it is a constant),
     * Transpose back. The pixel-side transposes cancel against a model's own NCHW → NHWC transpose
     * ({@link TfGraphParser} removes such pairs), so a HF-style tower reads its NCHW input straight into Conv.
     */
    private static void conv2d(TfNodeContext c) {
        String format = c.stringAttr("data_format", "NHWC");
        long[] strides = c.intsAttr("strides");
        long[] dil = c.intsAttr("dilations");
        boolean nhwc = format.equals("NHWC");
        if (!nhwc && !format.equals("NCHW")) {
            throw new IllegalArgumentException("Conv2D data_format " + format);
        }
        int h = nhwc ? 1 : 2;
        long[] s = strides == null ? new long[] {1, 1} : new long[] {strides[h], strides[h + 1]};
        long[] d = dil == null ? new long[] {1, 1} : new long[] {dil[h], dil[h + 1]};
        INDArray filter = c.constant(1);
        String w;
        if (filter != null) {
            w = c.constant("filter_oihw", filter.permute(3, 2, 0, 1).dup('c'));
            c.markWeight(w, c.in(1));
        } else {
            w = c.helper("filter_oihw", "Transpose", list(c.in(1)), attrs("perm", new long[] {3, 2, 0, 1}));
        }
        long[] kernel = filter == null ? null : new long[] {filter.size(0), filter.size(1)};
        long[] pads = pads(c, kernel, s, d);
        String x = nhwc ? c.helper("to_nchw", "Transpose", list(c.in(0)), attrs("perm", new long[] {0, 3, 1, 2}))
                : c.in(0);
        if (pads[0] != pads[2] || pads[1] != pads[3]) {
            // Conv takes symmetric pads only: zero-pad explicitly first (ONNX Pad order: all begins, then all ends)
            x = c.helper("pad", "Pad", list(x, c.longs("pads", 0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3])),
                    Map.of());
            pads = new long[] {0, 0, 0, 0};
        }
        var convAttrs = attrs("strides", s, "dilations", d, "pads", pads);
        if (!nhwc) {
            c.emit("Conv", list(x, w), convAttrs);
            return;
        }
        String y = c.helper("conv", "Conv", list(x, w), convAttrs);
        c.emit("Transpose", list(y), attrs("perm", new long[] {0, 2, 3, 1}));
    }

    private static long[] pads(TfNodeContext c, long[] kernel, long[] s, long[] d) {
        String padding = c.stringAttr("padding", "VALID");
        switch (padding) {
            case "VALID":
                return new long[] {0, 0, 0, 0};
            case "EXPLICIT": {
                long[] p = c.intsAttr("explicit_paddings");
                int h = c.stringAttr("data_format", "NHWC").equals("NHWC") ? 1 : 2;
                return new long[] {p[2 * h], p[2 * h + 2], p[2 * h + 1], p[2 * h + 3]};
            }
            case "SAME": {
                // with stride 1 the total padding is (k - 1)·dilation whatever the input size (TF puts the odd one
                // at the end); larger strides need the input size, unknown before shapes are inferred
                if (kernel == null || s[0] != 1 || s[1] != 1) {
                    throw new IllegalArgumentException("Conv2D SAME padding is supported with stride 1 and a constant "
                            + "filter only");
                }
                long th = (kernel[0] - 1) * d[0];
                long tw = (kernel[1] - 1) * d[1];
                return new long[] {th / 2, tw / 2, th - th / 2, tw - tw / 2};
            }
            default:
                throw new IllegalArgumentException("Conv2D padding " + padding);
        }
    }

    /** one_hot(indices, depth, on, off) on the last axis of 1-D indices: Where(Equal(indices[:, None], range[None, :])). */
    private static void oneHot(TfNodeContext c) {
        if (c.intAttr("axis", -1) != -1) {
            throw new IllegalArgumentException("OneHot on axis " + c.intAttr("axis", -1) + " (only -1)");
        }
        String idx = c.helper("indices", "Cast", list(c.in(0)),
                attrs("to", (long) OnnxTensors.onnxType(org.nd4j.linalg.api.buffer.DataType.LONG)));
        String col = c.helper("unsqueeze", "Unsqueeze", list(idx, c.longs("axis", -1L)), Map.of());
        String depth = c.helper("depth", "Cast", list(c.in(1)),
                attrs("to", (long) OnnxTensors.onnxType(org.nd4j.linalg.api.buffer.DataType.LONG)));
        String range = c.helper("range", "Range", list(c.scalarLong("zero", 0), depth, c.scalarLong("one", 1)),
                Map.of());
        // [N, 1] == [1, depth]: equal ranks (libnd4j's boolean broadcast mis-shapes rank 2 against rank 1)
        String row = c.helper("row", "Unsqueeze", list(range, c.longs("axis0", 0L)), Map.of());
        String eq = c.helper("equal", "Equal", list(col, row), Map.of());
        c.emit("Where", list(eq, c.in(2), c.in(3)), Map.of());
    }
}
