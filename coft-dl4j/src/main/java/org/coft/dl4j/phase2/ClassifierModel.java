package org.coft.dl4j.phase2;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.dl4j.pass.RemoteModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link Classifier} as a worker loads it: its graph files, preprocessing, classes and output prior; outputs the
 * class probabilities [n, C].
 *
 * @param graphs         the classifier graph files on this machine
 * @param preprocessJson {@link PreprocessConfig#toJson()}
 * @param classes        class names, in order
 * @param outputBias     output-prior offsets, or null
 */
public record ClassifierModel(List<String> graphs, String preprocessJson, List<String> classes, double[] outputBias)
        implements RemoteModel {
    private static final String PREFIX = "classifier/";

    public ClassifierModel {
        graphs = List.copyOf(graphs);
        classes = List.copyOf(classes);
        outputBias = outputBias == null ? null : outputBias.clone();
    }

    @Override
    public Map<String, Path> files() {
        Map<String, Path> out = new java.util.TreeMap<>();
        for (int i = 0; i < graphs.size(); i++) {
            out.put(name(i), Path.of(graphs.get(i)));
        }
        return out;
    }

    private String name(int i) {
        return PREFIX + i + "-" + Path.of(graphs.get(i)).getFileName();
    }

    @Override
    public String key() {
        return "classifier " + classes + " " + java.util.Arrays.toString(outputBias) + " " + preprocessJson;
    }

    @Override
    public Loaded load(Path root) throws IOException {
        List<Path> local = new ArrayList<>();
        for (int i = 0; i < graphs.size(); i++) {
            local.add(root.resolve(name(i)));
        }
        Classifier c = Classifier.load(local, PreprocessConfig.fromJson(preprocessJson), classes).withOutputBias(outputBias);
        return px -> new INDArray[] {c.probabilities(px)};
    }
}
