package org.coft.dl4j.phase1;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.coft.dl4j.pass.PassFunction;
import org.coft.dl4j.pass.RemoteModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained Phase I model scoring preprocessed pixels (its visual module needs them): outputs logits, s⁺, s⁻ and
 * p_clean ({@link DualPromptModel.Scores}; the last three null without a negative prompt). A worker builds it from the
 * base model directory and the saved model file, as {@link PhaseOne#load} does.
 *
 * @param directory  the base CLIP model directory on this machine
 * @param configJson the Phase I config ({@link PhaseOneConfig#toJson()})
 * @param classNames the classes, in order
 * @param modelFile  the saved model ({@link PhaseOne#save})
 */
public record ScoringModel(String directory, String configJson, List<String> classNames, String modelFile)
        implements RemoteModel {
    private static final String BASE = "model/";
    private static final String TRAINED = "phase1/";

    public ScoringModel {
        classNames = List.copyOf(classNames);
    }

    /**
     * The scoring pass function of a loaded model; remotely, the one saved in {@code file} (null: this JVM only).
     */
    public static PassFunction function(DualPromptModel m, ClipBackbone backbone, PhaseOneConfig cfg, Path file) {
        ScoringModel remote = file == null ? null : new ScoringModel(
                backbone.plain().directory().toAbsolutePath().toString(), cfg.toJson(), m.classNames(),
                file.toAbsolutePath().toString());
        return PassFunction.of("Phase I scores" + (file == null ? "" : " of " + file), px -> parts(m.score(px)),
                remote);
    }

    static INDArray[] parts(DualPromptModel.Scores s) {
        return new INDArray[] {s.logits(), s.sPos(), s.sNeg(), s.pClean()};
    }

    @Override
    public Map<String, Path> files() throws IOException {
        Map<String, Path> f = new java.util.TreeMap<>(RemoteModel.filesBelow(Path.of(directory), BASE));
        f.put(TRAINED + Path.of(modelFile).getFileName(), Path.of(modelFile));
        return f;
    }

    @Override
    public String key() {
        return "phase1-scores " + configJson + " " + classNames;
    }

    @Override
    public Loaded load(Path root) throws IOException {
        PhaseOneConfig cfg = PhaseOneConfig.fromJson(configJson);
        ClipBackbone backbone;
        try {
            backbone = ClipBackbone.load(root.resolve(BASE), cfg, classNames);
        } catch (org.coft.clip.model.ClipModelException e) {
            throw new IOException(e.getMessage(), e);
        }
        DualPromptModel m = PhaseOne.load(backbone, classNames, cfg,
                root.resolve(TRAINED + Path.of(modelFile).getFileName()));
        return px -> parts(m.score(px));
    }
}
