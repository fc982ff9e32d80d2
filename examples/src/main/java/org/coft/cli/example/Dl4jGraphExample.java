package org.coft.cli.example;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.coft.clip.model.ClipModel;
import org.coft.clip.zeroshot.PromptTemplates;
import org.coft.clip.zeroshot.ZeroShotClassifier;
import org.coft.datavec.iterate.ImageBatch;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.EvaluationLabels;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.layers.ComplementLabels;
import org.coft.dl4j.layers.DualPromptOutputLayer;
import org.coft.dl4j.layers.FeatureAdapterLayer;
import org.coft.dl4j.seeds.SeedSelection;
import org.coft.dl4j.seeds.SeedSet;
import org.coft.dl4j.seeds.ShortfallPolicy;
import org.coft.dl4j.train.DivergenceGuard;
import org.coft.dl4j.train.ProgressListener;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * CoFT's building blocks in a DL4J user's own {@link ComputationGraph}, trained with DL4J's own {@code fit}:
 * <ol>
 *   <li>the user's images become CLIP image features once (the frozen image tower), and zero-shot CLIP gives every
 *   image a pseudo label; the K most confident per class are the seeds ({@link SeedSelection}, a pure function);</li>
 *   <li>the user's existing graph — here a linear classifier on CLIP features — gains CoFT's feature adapter and
 *   dual-prompt head in place of its output layer through DL4J's {@link TransferLearning};</li>
 *   <li>DL4J's {@code fit} trains it on the seeds' pseudo labels (the {@link ComplementLabels} pre-processor adds
 *   the complement labels of the negative-prompt loss), with CoFT's {@link DivergenceGuard} and
 *   {@link ProgressListener} as DL4J listeners;</li>
 *   <li>{@code output()} classifies every image; labels, when the caller has them, only measure the result.</li>
 * </ol>
 * The evaluation labels come in as a separate argument after training; nothing in steps 1–3 can see them.
 */
public final class Dl4jGraphExample {
    /** What the example reports: accuracies only when evaluation labels were given (else NaN). */
    public record Result(int images, int seeds, double zeroShotAccuracy, double adaptedAccuracy, double meanPClean,
                         INDArray probabilities) { }

    /** Settings of the example (a user's choices). */
    public record Settings(int seedsPerClass, int epochs, int batchSize, double learningRate, long seed) {
        public Settings {
            if (seedsPerClass < 1 || epochs < 1 || batchSize < 1 || !(learningRate > 0)) {
                throw new IllegalArgumentException("seeds per class, epochs and batch size must be at least 1 and the "
                        + "learning rate positive: " + seedsPerClass + ", " + epochs + ", " + batchSize + ", "
                        + learningRate);
            }
        }
    }

    private Dl4jGraphExample() {
    }

    /** The graph a user already has: a linear softmax classifier on CLIP image features [batch, embed]. */
    public static ComputationGraph usersGraph(int embed, int classes, long seed) {
        var conf = new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(1e-3)).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("features").setInputTypes(InputType.feedForward(embed))
                .addLayer("classifier", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(embed)
                        .nOut(classes).activation(Activation.SOFTMAX).build(), "features")
                .setOutputs("classifier").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /**
     * The user's graph with its output layer replaced by CoFT's feature adapter and dual-prompt head (DL4J's
     * {@link TransferLearning}); the head reads the CLIP text tower of {@code modelDir}.
     */
    public static ComputationGraph withCoft(ComputationGraph users, ClipModel model, Path modelDir,
                                            List<String> classes, int embed, Settings s) {
        return new TransferLearning.GraphBuilder(users)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(s.learningRate()))
                        .seed(s.seed()).build())
                .removeVertexAndConnections("classifier")
                .addLayer("adapter", new FeatureAdapterLayer(embed, Math.max(1, embed / 4), s.seed()), "features")
                .addLayer("coft", DualPromptOutputLayer.builder(modelDir, classes).seed(s.seed()).build()
                        .withModel(model), "adapter")
                .setOutputs("coft").build();
    }

    /** CLIP image features of every image [n, embed] (the frozen image tower, once), in the images' order. */
    public static INDArray features(ClipModel model, UnlabeledImages images, List<String> ids) {
        List<INDArray> parts = new ArrayList<>();
        try (ImageBatchIterator it = ImageBatchIterator.builder(images, model.preprocess()).batchSize(64)
                .build()) {
            while (it.hasNext()) {
                ImageBatch b = it.nextBatch();
                parts.add(model.encodeImages(b.images()));
                ids.addAll(b.ids());
                b.images().close();
            }
        }
        return Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    /**
     * Runs the example on unlabelled images (labels cannot reach steps 1–3: they are not in {@link UnlabeledImages})
     * and measures the result against {@code labels} when given (may be null).
     */
    public static Result run(ClipModel model, Path modelDir, List<String> classes, UnlabeledImages images,
                             EvaluationLabels labels, Settings s, PrintWriter log) {
        // 1. features once, zero-shot pseudo labels, the seeds
        List<String> ids = new ArrayList<>();
        INDArray features = features(model, images, ids);
        int embed = (int) features.size(1);
        ZeroShotClassifier zs = ZeroShotClassifier.build(model, classes, PromptTemplates.single());
        INDArray zsProbs = org.nd4j.linalg.ops.transforms.Transforms.softmax(
                zs.logits(features).castTo(DataType.DOUBLE), true);
        SeedSet seeds = SeedSelection.topKPerClass(zsProbs, ids, s.seedsPerClass(), ShortfallPolicy.FILL_BY_SCORE);
        log.printf(Locale.ROOT, "features: %d images x %d; seeds: %d (%d per class, zero-shot's most confident)%n",
                ids.size(), embed, seeds.size(), s.seedsPerClass());

        // 2. the user's graph gains CoFT's adapter and dual-prompt head
        ComputationGraph g = withCoft(usersGraph(embed, classes.size(), s.seed()), model, modelDir, classes, embed, s);
        log.println("graph: features -> " + String.join(" -> ", g.getConfiguration().getVertices().keySet()) + " ("
                + g.numParams() + " parameters; the user's 'classifier' replaced by CoFT's adapter and head)");

        // 3. DL4J's fit on the seeds' pseudo labels, CoFT listeners attached
        INDArray x = features.getRows(seeds.indices());
        INDArray y = Nd4j.zeros(DataType.FLOAT, seeds.size(), classes.size());
        int[] lab = seeds.labels();
        for (int i = 0; i < lab.length; i++) {
            y.putScalar(i, lab[i], 1f);
        }
        DataSet seedsData = new DataSet(x, y);
        seedsData.shuffle(s.seed());
        org.nd4j.linalg.dataset.ViewIterator it = new org.nd4j.linalg.dataset.ViewIterator(seedsData, s.batchSize());
        it.setPreProcessor(new ComplementLabels(classes.size(), s.seed()));
        int perEpoch = (seedsData.numExamples() + s.batchSize() - 1) / s.batchSize();
        g.setListeners(new DivergenceGuard(), new ProgressListener(log, perEpoch * Math.max(1, s.epochs() / 4)));
        g.fit(it, s.epochs());

        // 4. classify every image; labels (if any) only measure
        INDArray probs = g.outputSingle(features);
        var head = (DualPromptOutputLayer) g.getLayer("coft").conf().getLayer();
        INDArray adapted = g.feedForward(features, false).get("adapter");
        DualPromptOutputLayer.Scores sc = head.scores(adapted, g.getLayer("coft").getParam(DualPromptOutputLayer.CTX_POS),
                g.getLayer("coft").getParam(DualPromptOutputLayer.CTX_NEG));
        INDArray pred = probs.argMax(1);
        double pClean = 0;
        for (int i = 0; i < ids.size(); i++) {
            pClean += sc.pClean().getDouble(i, pred.getInt(i));
        }
        pClean /= ids.size();
        double zsAcc = Double.NaN;
        double acc = Double.NaN;
        if (labels != null) {
            int[] truth = labels.labelsOf(ids);
            INDArray zsPred = zsProbs.argMax(1);
            int a = 0;
            int z = 0;
            for (int i = 0; i < truth.length; i++) {
                a += pred.getInt(i) == truth[i] ? 1 : 0;
                z += zsPred.getInt(i) == truth[i] ? 1 : 0;
            }
            acc = (double) a / truth.length;
            zsAcc = (double) z / truth.length;
        }
        return new Result(ids.size(), seeds.size(), zsAcc, acc, pClean, probs);
    }
}
