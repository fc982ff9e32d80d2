package org.coft.dl4j.phase1;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.coft.clip.model.ClipModel;
import org.coft.clip.model.ClipModelException;
import org.coft.clip.zeroshot.PromptTemplates;
import org.coft.clip.zeroshot.ZeroShotClassifier;
import org.coft.dl4j.pass.PassFunction;
import org.coft.dl4j.pass.RemoteModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Zero-shot CLIP as a pass function: class probabilities [n, C] of preprocessed pixels ({@link
 * ZeroShotClassifier#probabilities}); a worker builds the same classifier from the model directory, the class names
 * and the templates.
 *
 * @param directory  the CLIP model directory on this machine
 * @param classNames the classes, in order
 * @param templates  the prompt templates ({@link PromptTemplates#templates()})
 */
public record ZeroShotModel(String directory, List<String> classNames, List<String> templates) implements RemoteModel {
    private static final String PREFIX = "model/";

    public ZeroShotModel {
        classNames = List.copyOf(classNames);
        templates = List.copyOf(templates);
    }

    /** The pass function of a zero-shot classifier built here from {@code model}, {@code classNames}, {@code t}. */
    public static PassFunction function(ClipModel model, ZeroShotClassifier zs, PromptTemplates t) {
        return PassFunction.of("zero-shot probabilities", px -> new INDArray[] {zs.probabilities(px)},
                new ZeroShotModel(model.directory().toAbsolutePath().toString(), zs.classNames(), t.templates()));
    }

    @Override
    public Map<String, Path> files() throws IOException {
        return RemoteModel.filesBelow(Path.of(directory), PREFIX);
    }

    @Override
    public String key() {
        return "zero-shot " + classNames + " " + templates;
    }

    @Override
    public Loaded load(Path root) throws IOException {
        ClipModel m;
        try {
            m = ClipModel.load(root.resolve(PREFIX));
        } catch (ClipModelException e) {
            throw new IOException(e.getMessage(), e);
        }
        ZeroShotClassifier zs = ZeroShotClassifier.build(m, classNames,
                PromptTemplates.of(templates.toArray(new String[0])));
        return px -> new INDArray[] {zs.probabilities(px)};
    }
}
