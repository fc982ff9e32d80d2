package org.coft.clip.onnx.fuzz;

import static org.coft.clip.onnx.parity.OnnxModelBuilder.FLOAT;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intAttr;
import static org.coft.clip.onnx.parity.OnnxModelBuilder.intsAttr;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.coft.clip.onnx.parity.OnnxModelBuilder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fuzzer's seed models: every committed ONNX fixture (whole CLIPs of three architectures, two opsets) and small
 * hand-built graphs whose index, shape and axis operands are constants — the values that constant folding and the
 * converters hand to libnd4j, where a bad one used to crash the JVM.
 */
final class FuzzSeeds {
    /** A seed: a name for reports and the model's bytes. */
    record Seed(String name, byte[] bytes) { }

    private FuzzSeeds() {
    }

    static List<Seed> all() throws IOException {
        List<Seed> seeds = new ArrayList<>(handBuilt());
        seeds.addAll(fixtures());
        return seeds;
    }

    /** The committed fixtures under {@code fixtures/onnx} and {@code fixtures/clip-tiny-hf}. */
    static List<Seed> fixtures() throws IOException {
        Path root = repoRoot();
        List<Seed> out = new ArrayList<>();
        for (String dir : List.of("fixtures/onnx", "fixtures/clip-tiny-hf")) {
            try (var files = Files.list(root.resolve(dir))) {
                for (Path p : files.filter(f -> f.toString().endsWith(".onnx")).sorted().toList()) {
                    out.add(new Seed(dir + "/" + p.getFileName(), Files.readAllBytes(p)));
                }
            }
        }
        return out;
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("fixtures/onnx"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("fixtures/onnx not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** Small graphs, each a family of ops with constant index / shape / axis operands (opset 17). */
    static List<Seed> handBuilt() {
        List<Seed> out = new ArrayList<>();
        var data = Nd4j.arange(0, 24).castTo(DataType.FLOAT).reshape(2, 3, 4);
        var idx = Nd4j.createFromArray(2L, 0L, 1L);

        // folded: every node's inputs are constants
        OnnxModelBuilder fold = new OnnxModelBuilder(17)
                .input("x", FLOAT, "N", 4)
                .constant("data", data)
                .constant("idx", idx)
                .constant("shape", Nd4j.createFromArray(6L, 4L))
                .constant("starts", Nd4j.createFromArray(0L, 1L))
                .constant("ends", Nd4j.createFromArray(2L, 3L))
                .constant("axes", Nd4j.createFromArray(0L, 1L))
                .constant("steps", Nd4j.createFromArray(1L, 1L))
                .constant("pads", Nd4j.createFromArray(0L, 1L, 0L, 0L, 1L, 0L))
                .constant("reps", Nd4j.createFromArray(2L, 1L, 1L))
                .constant("ax0", Nd4j.createFromArray(0L))
                .constant("r0", Nd4j.scalar(0L))
                .constant("r1", Nd4j.scalar(9L))
                .constant("r2", Nd4j.scalar(2L))
                .node("Gather", "data,idx", "g", intAttr("axis", 1))
                .node("Reshape", "data,shape", "rs")
                .node("Transpose", "data", "tr", intsAttr("perm", 2, 0, 1))
                .node("Slice", "data,starts,ends,axes,steps", "sl")
                .node("Concat", "data,data", "cc", intAttr("axis", 2))
                .node("Pad", "data,pads", "pd")
                .node("Unsqueeze", "data,ax0", "us")
                .node("Squeeze", "us,ax0", "sq")
                .node("ReduceSum", "data,axes", "rsum", intAttr("keepdims", 0))
                .node("ArgMax", "data", "am", intAttr("axis", 2))
                .node("Softmax", "data", "sm", intAttr("axis", -1))
                .node("Flatten", "data", "fl", intAttr("axis", 1))
                .node("Range", "r0,r1,r2", "rg")
                .node("ConstantOfShape", "shape", "cos")
                .node("Expand", "data,reps", "ex")
                .node("Split", "data", "sp0,sp1", intAttr("axis", 2))
                .node("Trilu", "rs", "tl")
                .node("Cast", "am", "amf", intAttr("to", FLOAT))
                .node("Shape", "data", "shp")
                .node("Add", "x,x", "y")
                .output("y", FLOAT).output("g", FLOAT).output("rs", FLOAT).output("tr", FLOAT).output("sl", FLOAT)
                .output("cc", FLOAT).output("pd", FLOAT).output("sq", FLOAT).output("rsum", FLOAT)
                .output("amf", FLOAT).output("sm", FLOAT).output("fl", FLOAT).output("rg", FLOAT)
                .output("cos", FLOAT).output("ex", FLOAT).output("sp0", FLOAT).output("tl", FLOAT)
                .output("shp", FLOAT);
        out.add(new Seed("hand-built/folded-index-ops", fold.bytes()));

        // emitted: the same operands applied to a graph input
        OnnxModelBuilder live = new OnnxModelBuilder(17)
                .input("x", FLOAT, "N", 3, 4)
                .input("t", OnnxModelBuilder.INT64, "N", 5)
                .initializer("w", Nd4j.rand(DataType.FLOAT, 4, 6))
                .initializer("b", Nd4j.rand(DataType.FLOAT, 6))
                .initializer("table", Nd4j.rand(DataType.FLOAT, 11, 4))
                .initializer("k", Nd4j.rand(DataType.FLOAT, 2, 3, 1, 1))
                .initializer("s4", Nd4j.rand(DataType.FLOAT, 4))
                .constant("idx", idx)
                .constant("shape", Nd4j.createFromArray(-1L, 12L))
                .constant("shape2", Nd4j.createFromArray(0L, 3L, 2L, 2L))
                .constant("starts", Nd4j.createFromArray(0L))
                .constant("ends", Nd4j.createFromArray(2L))
                .constant("axes", Nd4j.createFromArray(2L))
                .constant("ax1", Nd4j.createFromArray(1L))
                .node("Gather", "x,idx", "g", intAttr("axis", 1))
                .node("Gather", "table,t", "emb", intAttr("axis", 0))
                .node("MatMul", "x,w", "mm")
                .node("Add", "mm,b", "lin")
                .node("Transpose", "lin", "tr", intsAttr("perm", 0, 2, 1))
                .node("Softmax", "tr", "sm", intAttr("axis", 1))
                .node("Reshape", "x,shape", "rs")
                .node("Slice", "x,starts,ends,axes", "sl")
                .node("ReduceMean", "sl", "rm", intsAttr("axes", 2), intAttr("keepdims", 1))
                .node("Reshape", "x,shape2", "img")
                .node("Conv", "img,k", "cv", intsAttr("kernel_shape", 1, 1))
                .node("Unsqueeze", "g,ax1", "us")
                .node("Concat", "x,x", "cc", intAttr("axis", 1))
                .node("LayerNormalization", "x,s4,s4", "ln", intAttr("axis", -1))
                .output("g", FLOAT).output("emb", FLOAT).output("sm", FLOAT).output("rs", FLOAT)
                .output("rm", FLOAT).output("cv", FLOAT).output("us", FLOAT).output("cc", FLOAT).output("ln", FLOAT);
        out.add(new Seed("hand-built/live-index-ops", live.bytes()));
        return out;
    }
}
