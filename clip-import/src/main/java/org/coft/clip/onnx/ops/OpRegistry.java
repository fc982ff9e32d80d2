package org.coft.clip.onnx.ops;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.coft.clip.onnx.ir.IrNode;

/**
 * Converters keyed by (domain, op type, since-version). A node is served by the converter with the highest
 * since-version not above the model's opset for that domain.
 */
public final class OpRegistry {
    private record Entry(long since, OpConverter converter) { }

    private final Map<String, List<Entry>> entries = new HashMap<>();

    /** The registry with every operator this importer supports. */
    public static OpRegistry standard() {
        OpRegistry r = new OpRegistry();
        ElementwiseOps.register(r);
        ShapeOps.register(r);
        IndexOps.register(r);
        NnOps.register(r);
        return r;
    }

    void add(String opType, long sinceVersion, OpConverter converter) {
        put("", opType, sinceVersion, converter);
    }

    void addFused(String opType, OpConverter converter) {
        put(IrNode.FUSED_DOMAIN, opType, 1, converter);
    }

    private void put(String domain, String opType, long since, OpConverter converter) {
        List<Entry> list = entries.computeIfAbsent(key(domain, opType), k -> new ArrayList<>());
        list.add(new Entry(since, converter));
        list.sort(Comparator.comparingLong(Entry::since));
    }

    private static String key(String domain, String opType) {
        String d = domain == null || domain.equals("ai.onnx") ? "" : domain;
        return d + "::" + opType;
    }

    /** The converter for an op at an opset, or null when unsupported. */
    public OpConverter find(String domain, String opType, long opset) {
        List<Entry> list = entries.get(key(domain, opType));
        if (list == null) {
            return null;
        }
        OpConverter best = null;
        for (Entry e : list) {
            if (e.since() <= opset || opset < 0) {
                best = e.converter();
            }
        }
        return best;
    }

    /** The lowest opset at which an op is supported, or -1. */
    public long minOpset(String domain, String opType) {
        List<Entry> list = entries.get(key(domain, opType));
        return list == null ? -1 : list.get(0).since();
    }

    /** Supported ops of the default domain, sorted. */
    public List<String> supportedOps() {
        TreeSet<String> out = new TreeSet<>();
        for (String k : entries.keySet()) {
            if (k.startsWith("::")) {
                out.add(k.substring(2));
            }
        }
        return List.copyOf(out);
    }
}
