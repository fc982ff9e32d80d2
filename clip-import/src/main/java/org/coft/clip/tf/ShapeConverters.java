package org.coft.clip.tf;

import static org.coft.clip.tf.TfNodeContext.attrs;
import static org.coft.clip.tf.TfNodeContext.list;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** TF ops that move, pick or build data without arithmetic: reshapes, transposes, slices, gathers, concats. */
final class ShapeConverters {
    private ShapeConverters() {
    }

    static void register(TfOpRegistry r) {
        r.add("Reshape", c -> c.emit("Reshape", list(c.in(0), c.in(1)), Map.of()));
        r.add("Transpose", c -> c.emit("Transpose", list(c.in(0)), attrs("perm", c.ints(1, "perm"))));
        r.add("ExpandDims", c -> c.emit("Unsqueeze", list(c.in(0), c.longs("axes", c.ints(1, "axis"))), Map.of()));
        r.add("Squeeze", c -> {
            long[] dims = c.intsAttr("squeeze_dims");
            c.emit("Squeeze", dims == null || dims.length == 0 ? list(c.in(0)) : list(c.in(0), c.longs("axes", dims)),
                    Map.of());
        });
        r.add("ConcatV2", c -> {
            int n = c.inputCount() - 1;
            long[] axis = c.ints(n, "axis");
            c.emit("Concat", new ArrayList<>(c.ins().subList(0, n)), attrs("axis", axis[0]));
        });
        r.add("Pack", c -> {
            long axis = c.intAttr("axis", 0);
            String axes = c.longs("axis", axis);
            List<String> parts = new ArrayList<>();
            for (String in : c.ins()) {
                parts.add(c.helper("unsqueeze", "Unsqueeze", list(in, axes), Map.of()));
            }
            c.emit("Concat", parts, attrs("axis", axis));
        });
        r.add("GatherV2", c -> {
            if (c.intAttr("batch_dims", 0) != 0) {
                throw new IllegalArgumentException("GatherV2 with batch_dims " + c.intAttr("batch_dims", 0));
            }
            c.emit("Gather", list(c.in(0), c.in(1)), attrs("axis", c.ints(2, "axis")[0]));
        });
        r.add("Gather", c -> c.emit("Gather", list(c.in(0), c.in(1)), attrs("axis", 0L)));
        r.add("StridedSlice", ShapeConverters::stridedSlice);
        r.add("Slice", c -> {
            long[] begin = c.ints(1, "begin");
            long[] size = c.ints(2, "size");
            long[] end = new long[begin.length];
            long[] axes = new long[begin.length];
            for (int i = 0; i < begin.length; i++) {
                end[i] = size[i] < 0 ? Long.MAX_VALUE : begin[i] + size[i];
                axes[i] = i;
            }
            c.emit("Slice", list(c.in(0), c.longs("starts", begin), c.longs("ends", end), c.longs("axes", axes)),
                    Map.of());
        });
        r.add("Shape", c -> c.emit("Shape", list(c.in(0)), Map.of())); // int32 or int64: int64 inside the graph
        r.add("Fill", c -> c.emit("Expand", list(c.in(1), c.in(0)), Map.of()));
        r.add("BroadcastTo", c -> c.emit("Expand", list(c.in(0), c.in(1)), Map.of()));
        r.add("Range", c -> c.emit("Range", list(c.in(0), c.in(1), c.in(2)), Map.of()));
    }

    /**
     * {@code x[begin:end:strides]} with TF's masks → ONNX Slice over the sliced input axes, Squeeze of the shrink
     * axes, Unsqueeze at the new axes ({@code x[:, None, None, :]}). An ellipsis mask is refused.
     */
    private static void stridedSlice(TfNodeContext c) {
        long ellipsis = c.intAttr("ellipsis_mask", 0);
        if (ellipsis != 0) {
            throw new IllegalArgumentException("StridedSlice with ellipsis_mask " + ellipsis + " is not supported");
        }
        long[] begin = c.ints(1, "begin");
        long[] end = c.ints(2, "end");
        long[] strides = c.ints(3, "strides");
        long beginMask = c.intAttr("begin_mask", 0);
        long endMask = c.intAttr("end_mask", 0);
        long shrink = c.intAttr("shrink_axis_mask", 0);
        long newAxis = c.intAttr("new_axis_mask", 0);
        List<long[]> slices = new ArrayList<>();
        List<Long> squeeze = new ArrayList<>();
        List<Long> unsqueeze = new ArrayList<>();
        int axis = 0; // input axis of the current spec position
        int outAxis = 0; // output axis of the current spec position
        for (int i = 0; i < begin.length; i++) {
            if ((newAxis >> i & 1) != 0) {
                unsqueeze.add((long) outAxis++);
                continue;
            }
            boolean shrinks = (shrink >> i & 1) != 0;
            long s = strides[i];
            if (s == 0) {
                throw new IllegalArgumentException("StridedSlice stride 0 at position " + i);
            }
            long b = (beginMask >> i & 1) != 0 ? (s > 0 ? 0 : Long.MAX_VALUE) : begin[i];
            long e = (endMask >> i & 1) != 0 ? (s > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : end[i];
            if (shrinks) {
                // one element at begin; -1 means the last one (end = MAX then)
                b = begin[i];
                e = b == -1 ? Long.MAX_VALUE : b + 1;
                s = 1;
                squeeze.add((long) axis);
            } else {
                outAxis++;
            }
            if (!(b == 0 && e == Long.MAX_VALUE && s == 1)) {
                slices.add(new long[] {b, e, axis, s});
            }
            axis++;
        }
        String x = c.in(0);
        if (!slices.isEmpty()) {
            long[][] cols = new long[4][slices.size()];
            for (int k = 0; k < slices.size(); k++) {
                for (int f = 0; f < 4; f++) {
                    cols[f][k] = slices.get(k)[f];
                }
            }
            x = step(c, squeeze.isEmpty() && unsqueeze.isEmpty(), "slice", "Slice", list(x, c.longs("starts", cols[0]),
                    c.longs("ends", cols[1]), c.longs("axes", cols[2]), c.longs("steps", cols[3])));
        }
        if (!squeeze.isEmpty()) {
            x = step(c, unsqueeze.isEmpty(), "squeeze", "Squeeze", list(x, c.longs("squeeze_axes",
                    squeeze.stream().mapToLong(Long::longValue).toArray())));
        }
        if (!unsqueeze.isEmpty()) {
            x = step(c, true, "unsqueeze", "Unsqueeze", list(x, c.longs("new_axes",
                    unsqueeze.stream().mapToLong(Long::longValue).toArray())));
        }
        if (!x.equals(c.out(0))) {
            c.emit("Identity", list(x), Map.of());
        }
    }

    /** One node of a multi-node translation: the TF node's own output when {@code last}, else a helper value. */
    private static String step(TfNodeContext c, boolean last, String role, String op, List<String> in) {
        if (last) {
            c.emit(op, in, Map.of());
            return c.out(0);
        }
        return c.helper(role, op, in, Map.of());
    }
}
