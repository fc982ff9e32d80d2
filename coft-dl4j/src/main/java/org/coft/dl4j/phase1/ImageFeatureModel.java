package org.coft.dl4j.phase1;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.coft.clip.model.ClipLoadOptions;
import org.coft.clip.model.ClipModel;
import org.coft.dl4j.pass.PassFunction;
import org.coft.dl4j.pass.RemoteModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The frozen CLIP image tower of a pass: projected image features [n, embed] of preprocessed pixels, loaded on a
 * worker from the model directory's files with the options the local model was loaded with.
 *
 * @param directory the model directory on this machine
 * @param options   how it was loaded
 */
public record ImageFeatureModel(String directory, ClipLoadOptions options) implements RemoteModel {
    private static final String PREFIX = "model/";

    /** The features pass function of a loaded model: runs {@code model} here, the same model remotely. */
    public static PassFunction function(ClipModel model) {
        return PassFunction.of("image features of " + model.directory(),
                px -> new INDArray[] {model.encodeImages(px)},
                new ImageFeatureModel(model.directory().toAbsolutePath().toString(), model.loadOptions()));
    }

    @Override
    public Map<String, Path> files() throws IOException {
        return RemoteModel.filesBelow(Path.of(directory), PREFIX);
    }

    @Override
    public String key() {
        return "image-features " + options;
    }

    @Override
    public Loaded load(Path root) throws IOException {
        ClipModel m;
        try {
            m = ClipModel.load(root.resolve(PREFIX), options);
        } catch (org.coft.clip.model.ClipModelException e) {
            throw new IOException(e.getMessage(), e);
        }
        return px -> new INDArray[] {m.encodeImages(px)};
    }
}
