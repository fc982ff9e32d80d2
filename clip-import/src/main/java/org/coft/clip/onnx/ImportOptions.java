package org.coft.clip.onnx;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How to import a graph.
 *
 * @param dims   values for symbolic input dimensions other than the leading (batch) one, e.g.
 *               {@code sequence_length=77}; a leading dimension named here is fixed too
 * @param fuse   whether to run the fusion passes (layer norm, quick GELU, linear); off only for debugging
 */
public record ImportOptions(Map<String, Long> dims, boolean fuse) {
    public ImportOptions {
        dims = Map.copyOf(dims);
        for (Map.Entry<String, Long> e : dims.entrySet()) {
            if (e.getValue() == null || e.getValue() <= 0) {
                throw new IllegalArgumentException("dimension '" + e.getKey() + "' must be bound to a positive size, got "
                        + e.getValue());
            }
        }
    }

    public static ImportOptions defaults() {
        return new ImportOptions(Map.of(), true);
    }

    public ImportOptions withDim(String symbol, long value) {
        Map<String, Long> d = new LinkedHashMap<>(dims);
        d.put(symbol, value);
        return new ImportOptions(d, fuse);
    }

    public ImportOptions withDims(Map<String, Long> more) {
        Map<String, Long> d = new LinkedHashMap<>(dims);
        d.putAll(more);
        return new ImportOptions(d, fuse);
    }

    public ImportOptions withFusion(boolean on) {
        return new ImportOptions(dims, on);
    }
}
