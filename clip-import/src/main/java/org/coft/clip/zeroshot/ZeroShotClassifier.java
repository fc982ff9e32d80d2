package org.coft.clip.zeroshot;

import java.util.ArrayList;
import java.util.List;
import org.coft.clip.model.ClipModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * CLIP zero-shot classification (Radford et al., 2021): one text embedding per class — the mean of the
 * L2-normalised embeddings of its prompts, renormalised (a prompt ensemble) — and logits
 * {@code logitScale · cos(image, class)}.
 */
public final class ZeroShotClassifier {
    /** One ranked prediction. */
    public record Prediction(int classIndex, String className, double probability) { }

    private final ClipModel model;
    private final List<String> classNames;
    private final INDArray classEmbeddings;

    private ZeroShotClassifier(ClipModel model, List<String> classNames, INDArray classEmbeddings) {
        this.model = model;
        this.classNames = List.copyOf(classNames);
        this.classEmbeddings = classEmbeddings;
    }

    /** Builds the class embeddings [classes, embed] from class names and templates. */
    public static ZeroShotClassifier build(ClipModel model, List<String> classNames, PromptTemplates templates) {
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("class names must not be empty");
        }
        List<String> prompts = new ArrayList<>();
        for (String c : classNames) {
            prompts.addAll(templates.fill(c));
        }
        INDArray all = ClipModel.normalize(encodeInChunks(model, prompts, 64));
        int t = templates.size();
        INDArray classes = Nd4j.create(all.dataType(), classNames.size(), all.size(1));
        for (int i = 0; i < classNames.size(); i++) {
            INDArray mean = all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i * t, (i + 1) * t),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).mean(0);
            classes.putRow(i, mean);
        }
        return new ZeroShotClassifier(model, classNames, ClipModel.normalize(classes));
    }

    /** A classifier over given class text embeddings [classes, embed] (normalised here). */
    public static ZeroShotClassifier fromEmbeddings(ClipModel model, List<String> classNames, INDArray textEmbeddings) {
        if (textEmbeddings.size(0) != classNames.size()) {
            throw new IllegalArgumentException(classNames.size() + " class names but " + textEmbeddings.size(0)
                    + " embeddings");
        }
        return new ZeroShotClassifier(model, classNames, ClipModel.normalize(textEmbeddings.dup()));
    }

    private static INDArray encodeInChunks(ClipModel model, List<String> texts, int chunk) {
        List<INDArray> parts = new ArrayList<>();
        for (int i = 0; i < texts.size(); i += chunk) {
            parts.add(model.encodeTexts(texts.subList(i, Math.min(texts.size(), i + chunk))));
        }
        return parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    public List<String> classNames() {
        return classNames;
    }

    /** Normalised class embeddings [classes, embed] (the zero-shot linear head). */
    public INDArray classEmbeddings() {
        return classEmbeddings;
    }

    /** Logits [batch, classes] of image features [batch, embed] (normalised here). */
    public INDArray logits(INDArray imageFeatures) {
        return ClipModel.normalize(imageFeatures).mmul(classEmbeddings.transpose()).muli(model.logitScale());
    }

    /** Class probabilities [batch, classes] of preprocessed images [batch, 3, H, W]. */
    public INDArray probabilities(INDArray pixels) {
        return Transforms.softmax(logits(model.encodeImages(pixels)), true);
    }

    /** The top k predictions per row of a probability matrix. */
    public List<List<Prediction>> topK(INDArray probabilities, int k) {
        List<List<Prediction>> out = new ArrayList<>();
        int n = (int) probabilities.size(1);
        for (int r = 0; r < probabilities.size(0); r++) {
            double[] p = probabilities.getRow(r).toDoubleVector();
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            List<Prediction> row = new ArrayList<>();
            for (int i = 0; i < Math.min(k, n); i++) {
                row.add(new Prediction(order[i], classNames.get(order[i]), p[order[i]]));
            }
            out.add(row);
        }
        return out;
    }
}
