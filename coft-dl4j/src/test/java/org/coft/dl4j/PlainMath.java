package org.coft.dl4j;

/** Double-precision helpers for the plain-math references of the tests. */
public final class PlainMath {
    private PlainMath() {
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** v / |v|. */
    public static double[] unit(double[] v) {
        double n = Math.sqrt(dot(v, v));
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = v[i] / n;
        }
        return o;
    }
}
