package org.coft.dl4j.adapt;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.phase2.Classifier;
import org.coft.dl4j.run.JsonFiles;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The artefact of {@link CoftTrainer#fit}: a fine-tuned CLIP image classifier that needs neither the base model nor
 * the text tower, with its class names, preprocessing, training config and {@link Provenance}. Immutable;
 * {@link AutoCloseable} because its graphs hold native memory. Every file of its run folder is verified against the
 * folder's SHA-256 ledger when it is opened.
 */
public final class AdaptedClassifier implements AutoCloseable {
    private final Path folder;
    private final Classifier classifier;
    private final CoftConfig config;
    private final Provenance provenance;

    private AdaptedClassifier(Path folder, Classifier classifier, CoftConfig config, Provenance provenance) {
        this.folder = folder;
        this.classifier = classifier;
        this.config = config;
        this.provenance = provenance;
    }

    /**
     * Opens a {@code coft} / {@code coft-plus} run folder (written by {@link CoftTrainer#fit} or {@code coft adapt}).
     *
     * @throws IOException naming the folder when it is not a fine-tuned classifier, or the file that fails verification
     */
    public static AdaptedClassifier open(Path folder) throws IOException {
        Adaptation.Adapted a = Adaptation.read(folder);
        if (!a.selfContained()) {
            throw new IOException(folder + " holds a " + a.method().cliName() + " run, not a fine-tuned classifier "
                    + "(coft or coft-plus); read it with Adaptation.read / Adaptation.predict");
        }
        var manifest = JsonFiles.readObject(folder.resolve(Adaptation.MANIFEST), "an adapted model's manifest");
        CoftConfig config = CoftConfig.fromJson(manifest.path("coft"), CoftConfig.defaults(a.method()),
                folder.resolve(Adaptation.MANIFEST) + " 'coft'");
        return new AdaptedClassifier(folder, Adaptation.classifier(a), config,
                Provenance.of(manifest, a.method(), a.seed()));
    }

    /** Class probabilities [batch, classes] of preprocessed pixels [batch, 3, H, W] (see {@link #preprocess()}). */
    public INDArray probabilities(INDArray pixels) {
        return classifier.probabilities(pixels);
    }

    /** Classifies images (decoded and preprocessed here; labels are never read). */
    public Classifier.Predictions predict(UnlabeledImages images, int batch, int threads) {
        return classifier.predict(images, batch, threads);
    }

    public Path folder() {
        return folder;
    }

    public List<String> classes() {
        return classifier.classes();
    }

    public PreprocessConfig preprocess() {
        return classifier.preprocess();
    }

    public CoftConfig config() {
        return config;
    }

    public Provenance provenance() {
        return provenance;
    }

    @Override
    public void close() {
        classifier.close();
    }
}
