package org.coft.clip.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.emit.SameDiffEmitter;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.TensorType;
import org.coft.clip.onnx.ops.OpRegistry;
import org.coft.clip.onnx.parse.OnnxParser;
import org.coft.clip.onnx.passes.DeadCodeElimination;
import org.coft.clip.onnx.passes.ExpandSinking;
import org.coft.clip.onnx.passes.FoldAndInfer;
import org.coft.clip.onnx.passes.GraphPass;
import org.coft.clip.onnx.passes.LayerNormFusion;
import org.coft.clip.onnx.passes.LinearFusion;
import org.coft.clip.onnx.passes.PooledRowSinking;
import org.coft.clip.onnx.passes.QuickGeluFusion;

/**
 * Imports an ONNX model into SameDiff in three stages with plain data between them: parse (protobuf →
 * {@link IrGraph}), rewrite (bind dims, fold constants and batch-symbolic shape arithmetic, fuse layer norm,
 * quick GELU and linear layers, drop dead code), emit (IR → SameDiff). The batch dimension stays dynamic.
 */
public final class OnnxImporter {
    private final OpRegistry registry;

    public OnnxImporter() {
        this(OpRegistry.standard());
    }

    public OnnxImporter(OpRegistry registry) {
        this.registry = registry;
    }

    public OnnxGraph importModel(Path file) throws OnnxImportException {
        return importModel(file, ImportOptions.defaults());
    }

    public OnnxGraph importModel(Path file, ImportOptions options) throws OnnxImportException {
        IrGraph g = OnnxParser.parse(file);
        return importGraph(g, options);
    }

    /** Parses and rewrites only (for inspection and for building seams before emission). */
    public IrGraph rewrite(IrGraph g, ImportOptions options, Map<String, Integer> fusions, int[] folded)
            throws OnnxImportException {
        bindDims(g, options);
        FoldAndInfer fold = new FoldAndInfer(registry);
        List<OnnxImportException.Problem> problems = fold.apply(g);
        if (!problems.isEmpty()) {
            throw new OnnxImportException(g.source(), problems);
        }
        List<GraphPass> passes = new ArrayList<>();
        if (options.fuse()) {
            // element-wise work on a repeated tensor is done on the small one; types are inferred again after it
            reshaping(new ExpandSinking(), g, fusions);
            // the position-wise tail before a pooling gather runs on the pooled rows only (CLIP's text tower: the
            // last layer's MLP for the end-of-text token alone); dead nodes first, so that only real readers count
            new DeadCodeElimination().apply(g);
            reshaping(new PooledRowSinking(), g, fusions);
            passes.add(new LayerNormFusion());
            passes.add(new QuickGeluFusion());
            passes.add(new LinearFusion());
        }
        passes.add(new DeadCodeElimination());
        for (GraphPass p : passes) {
            int n = p.apply(g);
            if (fusions != null) {
                fusions.put(p.name(), n);
            }
        }
        if (folded != null) {
            folded[0] = fold.folded();
        }
        return g;
    }

    /** Runs a pass that changes value shapes, then infers the types again where it rewrote anything. */
    private void reshaping(GraphPass pass, IrGraph g, Map<String, Integer> fusions) throws OnnxImportException {
        int n = pass.apply(g);
        if (fusions != null) {
            fusions.put(pass.name(), n);
        }
        if (n > 0) {
            List<OnnxImportException.Problem> problems = new FoldAndInfer(registry).apply(g);
            if (!problems.isEmpty()) {
                throw new OnnxImportException(g.source(), problems);
            }
        }
    }

    /** Rewrites and emits an already parsed graph. */
    public OnnxGraph importGraph(IrGraph g, ImportOptions options) throws OnnxImportException {
        return importGraph(g, options, Hooks.NONE);
    }

    /** Graph edits a caller makes around the rewrite (seams, extra outputs). */
    public interface Hooks {
        Hooks NONE = new Hooks() { };

        /** On the parsed graph, before dims are bound and anything is folded (shape-changing edits go here). */
        default void beforeRewrite(IrGraph g) throws OnnxImportException {
        }

        /** On the rewritten graph, just before emission (e.g. exposing an intermediate value as an output). */
        default void beforeEmit(IrGraph g) throws OnnxImportException {
        }
    }

    /** Rewrites and emits a parsed graph, letting {@code hooks} edit it before the rewrite and before emission. */
    public OnnxGraph importGraph(IrGraph g, ImportOptions options, Hooks hooks) throws OnnxImportException {
        Map<String, Integer> onnxOps = g.opCounts();
        hooks.beforeRewrite(g);
        Map<String, Integer> fusions = new LinkedHashMap<>();
        int[] folded = new int[1];
        rewrite(g, options, fusions, folded);
        hooks.beforeEmit(g);
        g.sortTopologically(); // a hook's nodes may reach into rows a pass placed elsewhere (deep visual prompts)
        new DeadCodeElimination().apply(g);
        SameDiffEmitter.Emitted e;
        try {
            e = SameDiffEmitter.emit(g, registry);
        } catch (RuntimeException ex) {
            throw new OnnxImportException(g.source(), "emitting SameDiff failed: " + ex.getMessage(), ex);
        }
        ImportReport report = new ImportReport(onnxOps, g.opCounts(), folded[0], fusions, e.sameDiff().ops().length,
                g.opsets());
        return new OnnxGraph(g.source(), e, new LinkedHashMap<>(g.inputs()), report, g, registry);
    }

    /** Fixes named symbolic dims; every remaining non-leading symbolic dim is an error naming input and axis. */
    static void bindDims(IrGraph g, ImportOptions options) throws OnnxImportException {
        List<OnnxImportException.Problem> problems = new ArrayList<>();
        Map<String, TensorType> bound = new LinkedHashMap<>();
        for (Map.Entry<String, TensorType> in : g.inputs().entrySet()) {
            List<Dim> dims = new ArrayList<>();
            List<Dim> shape = in.getValue().shape();
            for (int axis = 0; axis < shape.size(); axis++) {
                Dim d = shape.get(axis);
                if (!d.isKnown() && options.dims().containsKey(d.symbol())) {
                    d = Dim.of(options.dims().get(d.symbol()));
                } else if (!d.isKnown() && axis == 0) {
                    g.symbolSources().putIfAbsent(d.symbol(), new IrGraph.SymbolSource(in.getKey(), 0));
                } else if (!d.isKnown() && !g.symbolSources().containsKey(d.symbol())) {
                    problems.add(new OnnxImportException.Problem("", "", "", -1, "input '" + in.getKey() + "' axis " + axis
                            + " is dynamic ('" + d.symbol() + "'); bind it, e.g. dims " + d.symbol() + "=<size>"));
                }
                dims.add(d);
            }
            bound.put(in.getKey(), new TensorType(in.getValue().dataType(), dims));
        }
        if (!problems.isEmpty()) {
            throw new OnnxImportException(g.source(), problems);
        }
        g.inputs().putAll(bound);
        g.types().putAll(bound);
    }
}
