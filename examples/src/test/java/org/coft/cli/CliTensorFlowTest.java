package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.coft.clip.tf.SavedModelReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.protobuf.ByteString;
import org.tensorflow.framework.AttrValue;
import org.tensorflow.framework.GraphDef;
import org.tensorflow.framework.MetaGraphDef;
import org.tensorflow.framework.NodeDef;
import org.tensorflow.framework.SavedModel;
import org.tensorflow.framework.SignatureDef;
import org.tensorflow.framework.TensorInfo;
import org.tensorflow.framework.TensorProto;
import org.tensorflow.framework.TensorShapeProto;

/**
 * {@code inspect} and {@code graph-run} on TensorFlow models: a hand-built frozen graph
 * ({@code y = relu(x · W + b)}) as a {@code .pb} and inside a variable-free SavedModel with two signatures. (The
 * CLIP-sized TF parity tests live in clip-import, next to their TensorFlow oracle.)
 */
class CliTensorFlowTest {
    private static final float[] W = {0.5f, -1f, 2f, 0.25f, -0.5f, 1f};
    private static final float[] B = {0.1f, -0.2f};

    @TempDir
    Path tmp;

    @Test
    void graphRunAndInspectReadAFrozenGraph() throws Exception {
        Path pb = tmp.resolve("dense.pb");
        Files.write(pb, graph(false).toByteArray());
        INDArray x = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {-1, 0, 4}});
        Nd4j.writeAsNumpy(x, new File(tmp.resolve("x.npy").toString()));
        String[] r = CliTest.run("graph-run", "--model", pb.toString(), "--input", "x=" + tmp.resolve("x.npy"),
                "--out", tmp.resolve("out").toString());
        assertEquals("0", r[0], r[2]);
        INDArray y = Nd4j.createFromNpyFile(new File(tmp.resolve("out/y.npy").toString()));
        assertEquals(expected(x), y);

        r = CliTest.run("inspect", pb.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("format: TensorFlow") && r[1].contains("import: OK"), r[1]);
    }

    @Test
    void graphRunSelectsASavedModelSignatureAndNamesAnUnknownOne() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sm"));
        MetaGraphDef.Builder mg = MetaGraphDef.newBuilder().setGraphDef(graph(false));
        mg.getMetaInfoDefBuilder().addTags("serve");
        mg.putSignatureDef("serving_default", signature("y"));
        mg.putSignatureDef("logits", signature("pre"));
        Files.write(dir.resolve(SavedModelReader.SAVED_MODEL_PB),
                SavedModel.newBuilder().addMetaGraphs(mg).build().toByteArray());
        INDArray x = Nd4j.createFromArray(new float[][] {{1, 2, 3}});
        Nd4j.writeAsNumpy(x, new File(tmp.resolve("x.npy").toString()));
        String[] r = CliTest.run("graph-run", "--model", dir.toString(), "--input", "features=" + tmp.resolve("x.npy"),
                "--out", tmp.resolve("a").toString());
        assertEquals("0", r[0], r[2]);
        assertEquals(expected(x), Nd4j.createFromNpyFile(new File(tmp.resolve("a/scores.npy").toString())));
        r = CliTest.run("graph-run", "--model", dir.toString(), "--signature", "logits", "--input",
                "features=" + tmp.resolve("x.npy"), "--out", tmp.resolve("b").toString());
        assertEquals("0", r[0], r[2]);
        INDArray pre = Nd4j.createFromNpyFile(new File(tmp.resolve("b/scores.npy").toString()));
        assertEquals(x.mmul(Nd4j.create(W, new long[] {3, 2}, 'c')).addRowVector(Nd4j.createFromArray(B)), pre);
        r = CliTest.run("graph-run", "--model", dir.toString(), "--signature", "predict", "--input",
                "features=" + tmp.resolve("x.npy"), "--out", tmp.resolve("c").toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("no signature 'predict'") && r[2].contains("[logits, serving_default]"), r[2]);
    }

    @Test
    void inspectListsEveryUnsupportedTensorFlowOp() throws Exception {
        Path pb = tmp.resolve("bad.pb");
        Files.write(pb, graph(true).toByteArray());
        String[] r = CliTest.run("inspect", pb.toString());
        assertEquals("2", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("import: FAILED") && r[1].contains("node 'odd' (Cumsum, tensorflow")
                && r[1].contains("node 'odder' (FFT, tensorflow"), r[1]);
    }

    private static INDArray expected(INDArray x) {
        return Transforms.relu(x.mmul(Nd4j.create(W, new long[] {3, 2}, 'c')).addRowVector(Nd4j.createFromArray(B)));
    }

    private static SignatureDef signature(String output) {
        return SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict")
                .putInputs("features", TensorInfo.newBuilder().setName("x:0").build())
                .putOutputs("scores", TensorInfo.newBuilder().setName(output + ":0").build()).build();
    }

    private static GraphDef graph(boolean unsupported) {
        GraphDef.Builder g = GraphDef.newBuilder();
        g.addNode(NodeDef.newBuilder().setName("x").setOp("Placeholder")
                .putAttr("dtype", AttrValue.newBuilder().setType(org.tensorflow.framework.DataType.DT_FLOAT).build())
                .putAttr("shape", AttrValue.newBuilder().setShape(shape(-1, 3)).build()));
        g.addNode(constant("w", W, 3, 2));
        g.addNode(constant("b", B, 2));
        g.addNode(NodeDef.newBuilder().setName("mm").setOp("MatMul").addInput("x").addInput("w"));
        g.addNode(NodeDef.newBuilder().setName("pre").setOp("BiasAdd").addInput("mm").addInput("b"));
        String last = "pre";
        if (unsupported) {
            g.addNode(NodeDef.newBuilder().setName("odd").setOp("Cumsum").addInput("pre").addInput("w"));
            g.addNode(NodeDef.newBuilder().setName("odder").setOp("FFT").addInput("odd"));
            last = "odder";
        }
        g.addNode(NodeDef.newBuilder().setName("y").setOp("Relu").addInput(last));
        return g.build();
    }

    private static NodeDef constant(String name, float[] v, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        TensorProto t = TensorProto.newBuilder().setDtype(org.tensorflow.framework.DataType.DT_FLOAT)
                .setTensorShape(shape(dims)).setTensorContent(ByteString.copyFrom(b.array())).build();
        return NodeDef.newBuilder().setName(name).setOp("Const")
                .putAttr("dtype", AttrValue.newBuilder().setType(org.tensorflow.framework.DataType.DT_FLOAT).build())
                .putAttr("value", AttrValue.newBuilder().setTensor(t).build()).build();
    }

    private static TensorShapeProto shape(long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return s.build();
    }
}
