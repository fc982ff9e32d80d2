package org.coft.clip.tf;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * TF op type → converter. {@code Const}, {@code Placeholder} and variables are handled by the parser itself; every
 * other op needs an entry here, and an op without one is reported (all of them at once) by the parser.
 */
public final class TfOpRegistry {
    private final Map<String, TfOpConverter> converters = new HashMap<>();

    /** Every op this importer translates. */
    public static TfOpRegistry standard() {
        TfOpRegistry r = new TfOpRegistry();
        ElementwiseConverters.register(r);
        ShapeConverters.register(r);
        NnConverters.register(r);
        return r;
    }

    void add(String tfOp, TfOpConverter c) {
        converters.put(tfOp, c);
    }

    TfOpConverter find(String tfOp) {
        return converters.get(tfOp);
    }

    /** Supported TF op types, sorted (plus Const, Placeholder and the variable ops the parser resolves). */
    public List<String> supportedOps() {
        TreeSet<String> out = new TreeSet<>(converters.keySet());
        out.addAll(TfGraphParser.PARSER_OPS);
        return List.copyOf(out);
    }
}
