package org.coft.dl4j.phase2;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.iterate.ImageBatch;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.UnlabeledImages;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The classifier CoFT outputs: one or more fine-tuned image towers with their linear heads, each a SameDiff graph
 * file (FlatBuffers, {@link SameDiff#save}), plus the preprocessing and the class names. It needs neither the text
 * tower nor the base model's files. With several graphs (one per clean set) the prediction is the mean of their
 * softmax probabilities.
 */
public final class Classifier {
    private final List<SameDiff> graphs;
    private final List<String> pixelInputs;
    private final PreprocessConfig preprocess;
    private final List<String> classes;

    private Classifier(List<SameDiff> graphs, List<String> pixelInputs, PreprocessConfig preprocess,
                       List<String> classes) {
        this.graphs = graphs;
        this.pixelInputs = pixelInputs;
        this.preprocess = preprocess;
        this.classes = List.copyOf(classes);
    }

    /** Writes a network's graph and weights (atomically: a temporary file, then a rename). */
    public static void save(FineTuneNetwork net, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        net.sameDiff().save(tmp.toFile(), false);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Loads classifier graphs.
     *
     * @throws IOException naming a file that is missing or is not a classifier graph
     */
    public static Classifier load(List<Path> files, PreprocessConfig preprocess, List<String> classes)
            throws IOException {
        if (files.isEmpty()) {
            throw new IOException("no classifier graphs given");
        }
        List<SameDiff> graphs = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new IOException("classifier graph " + f + " does not exist");
            }
            SameDiff sd;
            try {
                sd = SameDiff.load(f.toFile(), false);
            } catch (RuntimeException e) {
                throw new IOException("cannot read classifier graph " + f + ": " + e.getMessage(), e);
            }
            if (!sd.hasVariable(FineTuneNetwork.LOGITS)) {
                throw new IOException(f + " is not a CoFT classifier graph (no '" + FineTuneNetwork.LOGITS + "' output)");
            }
            String pixels = null;
            for (String in : sd.inputs()) {
                SDVariable v = sd.getVariable(in);
                if (v.getShape() != null && v.getShape().length == 4) {
                    pixels = in;
                }
            }
            if (pixels == null) {
                throw new IOException(f + " has no image input [batch, 3, H, W]; inputs are " + sd.inputs());
            }
            long c = sd.getVariable(FineTuneNetwork.HEAD_B).getArr().length();
            if (c != classes.size()) {
                throw new IOException(f + " classifies " + c + " classes, but " + classes.size() + " class names "
                        + "were given");
            }
            graphs.add(sd);
            inputs.add(pixels);
        }
        return new Classifier(graphs, inputs, preprocess, classes);
    }

    public PreprocessConfig preprocess() {
        return preprocess;
    }

    public List<String> classes() {
        return classes;
    }

    public int graphs() {
        return graphs.size();
    }

    /** Class probabilities [batch, C] of preprocessed pixels. */
    public INDArray probabilities(INDArray pixels) {
        INDArray sum = null;
        for (int i = 0; i < graphs.size(); i++) {
            INDArray logits = graphs.get(i).output(Map.of(pixelInputs.get(i), pixels), FineTuneNetwork.LOGITS)
                    .get(FineTuneNetwork.LOGITS);
            INDArray p = Transforms.softmax(logits.castTo(DataType.DOUBLE), true);
            sum = sum == null ? p : sum.addi(p);
        }
        return sum.divi(graphs.size());
    }

    /** Probabilities of every image, in the images' order, and their ids. */
    public record Predictions(List<String> ids, INDArray probabilities) { }

    /** Classifies images (unreadable ones are skipped or fail per the source's policy). */
    public Predictions predict(UnlabeledImages images, int batch, int threads) {
        List<INDArray> parts = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        try (ImageBatchIterator it = ImageBatchIterator.builder(images, preprocess).batchSize(batch).threads(threads)
                .build()) {
            while (it.hasNext()) {
                ImageBatch b = it.nextBatch();
                parts.add(probabilities(b.images()));
                ids.addAll(b.ids());
                org.coft.dl4j.train.NativeMemory.afterStep(parts.size() - 1);
            }
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no readable images in " + images.description());
        }
        return new Predictions(ids, Nd4j.concat(0, parts.toArray(new INDArray[0])));
    }
}
