package org.coft.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.TensorType;

/** Recognises CLIP export flavours by structure, for {@code inspect} and {@code bench}. */
final class Architecture {
    private Architecture() {
    }

    static String guess(IrGraph g) {
        Map<String, Integer> ops = g.opCounts();
        boolean text = g.inputs().values().stream().anyMatch(t -> t.rank() == 2 && t.dataType().isIntType());
        boolean image = g.inputs().values().stream().anyMatch(t -> t.rank() == 4);
        String tower = text && image ? "CLIP (text + image towers)" : text ? "CLIP text tower" : image ? "CLIP image tower"
                : "graph (no CLIP inputs recognised)";
        String style = g.inputs().containsKey("input_ids") || g.inputs().containsKey("pixel_values")
                ? "Hugging Face CLIPModel naming" : g.inputs().containsKey("text") || g.inputs().containsKey("image")
                ? "OpenAI / open_clip naming" : "unknown naming";
        String vision = !image ? "" : ops.getOrDefault("Conv", 0) > 4 ? ", ResNet image tower" : ", ViT image tower";
        return tower + ", " + style + vision;
    }

    /** Default bindings for dynamic non-batch dims of CLIP inputs: 77 tokens, 3 channels, square images. */
    static Map<String, Long> defaultDims(IrGraph g) {
        Map<String, Long> dims = new LinkedHashMap<>();
        for (TensorType t : g.inputs().values()) {
            if (t.rank() == 2 && t.dataType().isIntType()) {
                put(dims, t.dim(1), 77);
            } else if (t.rank() == 4) {
                put(dims, t.dim(1), 3);
                put(dims, t.dim(2), 224);
                put(dims, t.dim(3), 224);
            }
        }
        return dims;
    }

    private static void put(Map<String, Long> dims, Dim d, long v) {
        if (!d.isKnown()) {
            dims.put(d.symbol(), v);
        }
    }
}
