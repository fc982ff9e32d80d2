package org.coft.clip.onnx.ir;

import java.util.Objects;

/**
 * One tensor dimension or one element of a shape vector during import: either a known value, or
 * {@code coefficient × symbol} where the symbol is a dynamic dimension of a graph input (the batch size).
 */
public final class Dim {
    private final long value;
    private final String symbol;
    private final long coefficient;

    private Dim(long value, String symbol, long coefficient) {
        this.value = value;
        this.symbol = symbol;
        this.coefficient = coefficient;
    }

    public static Dim of(long value) {
        return new Dim(value, null, 0);
    }

    public static Dim symbol(String name) {
        return new Dim(-1, Objects.requireNonNull(name, "symbol"), 1);
    }

    public boolean isKnown() {
        return symbol == null;
    }

    /** The value; only for known dims. */
    public long value() {
        if (symbol != null) {
            throw new IllegalStateException("dimension " + this + " is symbolic");
        }
        return value;
    }

    public String symbol() {
        return symbol;
    }

    public long coefficient() {
        return coefficient;
    }

    /** Product with another dim; null when both are symbolic (not representable). */
    public Dim times(Dim other) {
        if (isKnown() && other.isKnown()) {
            return of(value * other.value);
        }
        if (isKnown()) {
            return other.times(this);
        }
        if (!other.isKnown()) {
            return null;
        }
        if (other.value == 0) {
            return of(0);
        }
        return new Dim(-1, symbol, coefficient * other.value);
    }

    /** Exact quotient by a known dim; null when not representable. */
    public Dim dividedBy(Dim other) {
        if (!other.isKnown() || other.value == 0) {
            return null;
        }
        if (isKnown()) {
            return of(Math.floorDiv(value, other.value));
        }
        if (coefficient % other.value != 0) {
            return null;
        }
        return new Dim(-1, symbol, coefficient / other.value);
    }

    /** Sum; null when not representable as {@code k × symbol} or a value. */
    public Dim plus(Dim other) {
        if (isKnown() && other.isKnown()) {
            return of(value + other.value);
        }
        if (isKnown() && value == 0) {
            return other;
        }
        if (other.isKnown() && other.value == 0) {
            return this;
        }
        if (!isKnown() && !other.isKnown() && symbol.equals(other.symbol)) {
            long c = coefficient + other.coefficient;
            return c == 0 ? of(0) : new Dim(-1, symbol, c);
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Dim d)) {
            return false;
        }
        return value == d.value && coefficient == d.coefficient && Objects.equals(symbol, d.symbol);
    }

    @Override
    public int hashCode() {
        return Objects.hash(value, symbol, coefficient);
    }

    @Override
    public String toString() {
        if (symbol == null) {
            return Long.toString(value);
        }
        return coefficient == 1 ? symbol : coefficient + "*" + symbol;
    }
}
