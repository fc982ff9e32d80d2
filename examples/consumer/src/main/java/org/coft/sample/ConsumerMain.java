package org.coft.sample;

import java.nio.file.Path;
import java.util.List;
import org.coft.clip.model.ClipModel;
import org.coft.dl4j.layers.ComplementLabels;
import org.coft.dl4j.layers.DualPromptOutputLayer;
import org.coft.dl4j.layers.FeatureAdapterLayer;
import org.coft.dl4j.train.DivergenceGuard;
import org.coft.search.Objective;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * An application outside the CoFT build: loads a CLIP model folder (argument 1) with clip-import, puts CoFT's
 * adapter and dual-prompt head into its own DL4J graph, trains a few steps with DL4J's fit on CLIP features of
 * random pixels, and names the label-free objectives arbiter-search offers. Exits non-zero if the loss does not
 * move or is not finite.
 */
public final class ConsumerMain {
    private ConsumerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "models/micro-clip");
        List<String> classes = List.of("t-shirt", "trouser", "bag");
        ClipModel model = ClipModel.load(dir);
        Nd4j.getRandom().setSeed(1);
        INDArray pixels = Nd4j.rand(DataType.FLOAT, 6, 3, model.preprocess().cropHeight(), model.preprocess().cropWidth());
        INDArray features = model.encodeImages(pixels);
        int embed = (int) features.size(1);
        var conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-2)).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("features").setInputTypes(InputType.feedForward(embed))
                .addLayer("adapter", new FeatureAdapterLayer(embed, Math.max(1, embed / 4), 1), "features")
                .addLayer("coft", DualPromptOutputLayer.builder(dir, classes).seed(1).build(), "adapter")
                .setOutputs("coft").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        g.setListeners(new DivergenceGuard());
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, classes.size());
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % classes.size(), 1f);
        }
        DataSet ds = new DataSet(features, y);
        new ComplementLabels(classes.size(), 1).preProcess(ds);
        double first = Double.NaN;
        for (int i = 0; i < 5; i++) {
            g.fit(ds);
            first = i == 0 ? g.score() : first;
        }
        double last = g.score();
        System.out.printf("consumer: %s, %d classes, score %.4f -> %.4f; label-free objectives: %d%n",
                dir.getFileName(), classes.size(), first, last, Objective.labelFree().size());
        if (!Double.isFinite(last) || !(last < first)) {
            System.err.println("consumer: the loss did not fall");
            System.exit(1);
        }
    }
}
