package org.coft.clip.onnx.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.coft.clip.onnx.OnnxImportException;
import org.coft.clip.onnx.OnnxImporter;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.TensorType;
import org.coft.clip.onnx.parse.OnnxParser;

/**
 * What the fuzzer does with one model file: what {@code coft inspect} does — parse, bind the non-leading symbolic
 * dims (sequence length, image size) as for the unmutated seed, rewrite and emit SameDiff. Success or
 * {@link OnnxImportException} are the only acceptable outcomes.
 */
final class FuzzLoad {
    /** Sizes tried for a symbolic non-leading dim of a seed (fixtures use 7–77 tokens, 28–32 pixel images). */
    private static final List<Long> IMAGE_SIZES = List.of(32L, 28L, 224L, 64L, 16L);
    private static final long SEQUENCE = 77;
    private static final long OTHER = 7;

    private FuzzLoad() {
    }

    /** Imports {@code file} with {@code dims} for named symbols (others bound to 7); returns the SameDiff op count. */
    static int load(Path file, Map<String, Long> dims) throws OnnxImportException {
        IrGraph g = OnnxParser.parse(file);
        Map<String, Long> bound = new LinkedHashMap<>();
        for (TensorType t : g.inputs().values()) {
            for (int axis = 1; axis < t.shape().size(); axis++) {
                Dim d = t.shape().get(axis);
                if (!d.isKnown()) {
                    bound.put(d.symbol(), dims.getOrDefault(d.symbol(), OTHER));
                }
            }
        }
        OnnxGraph imported = new OnnxImporter().importGraph(g, ImportOptions.defaults().withDims(bound));
        return imported.report().sameDiffOps();
    }

    /**
     * The dims with which the unmutated {@code seed} imports: int rank-2 inputs' axis 1 = 77 tokens, rank-4 inputs =
     * 3 channels and the first image size that imports.
     */
    static Map<String, Long> bindingFor(byte[] seed) throws Exception {
        Path f = Files.createTempFile("coft-fuzz-seed", ".onnx");
        try {
            Files.write(f, seed);
            IrGraph g = OnnxParser.parse(f);
            OnnxImportException last = null;
            for (long size : IMAGE_SIZES) {
                Map<String, Long> dims = new LinkedHashMap<>();
                for (TensorType t : g.inputs().values()) {
                    for (int axis = 1; axis < t.rank(); axis++) {
                        Dim d = t.dim(axis);
                        if (d.isKnown()) {
                            continue;
                        }
                        long v = t.rank() == 2 && t.dataType().isIntType() ? SEQUENCE
                                : t.rank() == 4 ? (axis == 1 ? 3 : size) : OTHER;
                        dims.put(d.symbol(), v);
                    }
                }
                try {
                    load(f, dims);
                    return dims;
                } catch (OnnxImportException e) {
                    last = e;
                }
            }
            throw last;
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
