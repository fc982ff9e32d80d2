package org.coft.clip.onnx.ops;

import java.util.ArrayList;
import java.util.List;
import org.coft.clip.onnx.ir.Dim;

/** Dimension arithmetic for shape inference: numpy broadcasting and products over possibly symbolic dims. */
public final class ShapeMath {
    private ShapeMath() {
    }

    /** Numpy-style broadcast of shapes (right-aligned). */
    static List<Dim> broadcast(List<Dim> a, List<Dim> b) {
        return rightAligned(a, b, ShapeMath::broadcastDim);
    }

    /**
     * Numpy-style broadcast of shapes that is certain: null where two dims differ and neither is 1, including two
     * different symbolic dims (which {@link #broadcast} assumes equal). For rewrites that must not change a shape.
     */
    public static List<Dim> broadcastExact(List<Dim> a, List<Dim> b) {
        return rightAligned(a, b, (da, db) -> da.isKnown() && da.value() == 1 ? db
                : db.isKnown() && db.value() == 1 || da.equals(db) ? da : null);
    }

    private static List<Dim> rightAligned(List<Dim> a, List<Dim> b, java.util.function.BinaryOperator<Dim> dim) {
        int r = Math.max(a.size(), b.size());
        List<Dim> out = new ArrayList<>(r);
        for (int i = 0; i < r; i++) {
            int ia = i - (r - a.size());
            int ib = i - (r - b.size());
            Dim d = dim.apply(ia >= 0 ? a.get(ia) : Dim.of(1), ib >= 0 ? b.get(ib) : Dim.of(1));
            if (d == null) {
                return null;
            }
            out.add(d);
        }
        return out;
    }

    static Dim broadcastDim(Dim a, Dim b) {
        if (a.isKnown() && a.value() == 1) {
            return b;
        }
        if (b.isKnown() && b.value() == 1) {
            return a;
        }
        if (a.equals(b)) {
            return a;
        }
        if (a.isKnown() && b.isKnown()) {
            throw new UnsupportedOpException("shapes do not broadcast: " + a + " vs " + b);
        }
        return a.isKnown() ? a : b;
    }

    /** Product of dims; null when two symbolic dims multiply. */
    static Dim product(List<Dim> dims) {
        Dim p = Dim.of(1);
        for (Dim d : dims) {
            p = p.times(d);
            if (p == null) {
                return null;
            }
        }
        return p;
    }
}
