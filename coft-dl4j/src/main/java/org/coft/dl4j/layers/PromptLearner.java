package org.coft.dl4j.layers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.coft.clip.model.ClipModel;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * CoOp-style learnable text context as a SameDiff layer (Zhou et al., IJCV 2022): every class prompt is
 * {@code [SOS] v1 … vM <class name tokens> . [EOT]}, with M context vectors shared by all classes and the class
 * token last. The prompts are built from token embeddings and fed through the frozen CLIP text tower, so the
 * gradient reaches the context vectors only.
 *
 * <p>{@link #textFeatures} takes several contexts at once (e.g. CoFT's positive and negative prompt) and runs
 * them as one batch of {@code contexts × classes} sequences: text features for all classes once per step.
 */
public final class PromptLearner {
    /** Placeholder word whose embeddings the context vectors replace (one BPE token, as in CoOp). */
    static final String PLACEHOLDER = "X";

    private final ClipModel model;
    private final List<String> classNames;
    private final int contextTokens;
    private final long[][] ids;
    private final INDArray prefix;
    private final INDArray suffix;

    private PromptLearner(ClipModel model, List<String> classNames, int contextTokens, long[][] ids, INDArray prefix,
                          INDArray suffix) {
        this.model = model;
        this.classNames = List.copyOf(classNames);
        this.contextTokens = contextTokens;
        this.ids = ids;
        this.prefix = prefix;
        this.suffix = suffix;
    }

    /**
     * @param contextTokens M, the number of learned context vectors (at least 1; the prompt must fit the text
     *                      tower's context length)
     */
    public static PromptLearner create(ClipModel model, List<String> classNames, int contextTokens) {
        if (contextTokens < 1) {
            throw new IllegalArgumentException("context tokens must be at least 1, got " + contextTokens);
        }
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("no class names");
        }
        List<String> prompts = new ArrayList<>();
        String ctx = (PLACEHOLDER + " ").repeat(contextTokens);
        for (String name : classNames) {
            prompts.add(ctx + name + ".");
        }
        long[][] ids = model.tokenize(prompts);
        long[][] placeholderIds = model.tokenize(List.of(PLACEHOLDER));
        long x = placeholderIds[0][1];
        for (int c = 0; c < ids.length; c++) {
            int full = model.tokenizer().encode(prompts.get(c)).length;
            if (full > model.contextLength()) {
                throw new IllegalArgumentException("class '" + classNames.get(c) + "': the prompt with " + contextTokens
                        + " context tokens has " + full + " tokens; the text context holds " + model.contextLength());
            }
            for (int t = 1; t <= contextTokens; t++) {
                if (ids[c][t] != x) {
                    throw new IllegalArgumentException("class '" + classNames.get(c) + "': context token " + t
                            + " is not the placeholder");
                }
            }
        }
        INDArray emb = model.tokenEmbeddings(ids).castTo(DataType.FLOAT);
        int len = ids[0].length;
        INDArray pre = emb.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1), NDArrayIndex.all()).dup();
        INDArray suf = emb.get(NDArrayIndex.all(), NDArrayIndex.interval(1 + contextTokens, len), NDArrayIndex.all()).dup();
        return new PromptLearner(model, classNames, contextTokens, ids, pre, suf);
    }

    /**
     * Token positions the prompts of these classes need with M context tokens: start, M, the longest name, ".",
     * end of text.
     */
    public static int promptLength(ClipModel model, List<String> classNames, int contextTokens) {
        return promptLength(model.tokenizer(), classNames, contextTokens);
    }

    /** As {@link #promptLength(ClipModel, List, int)}, from the tokenizer alone (no model needs loading). */
    public static int promptLength(org.coft.clip.tokenizer.ClipTokenizer tokenizer, List<String> classNames,
                                   int contextTokens) {
        int longest = 0;
        for (String c : classNames) {
            longest = Math.max(longest, tokenizer.encode(c + ".").length - 2);
        }
        return contextTokens + longest + 2;
    }

    /** Number of BPE tokens of a phrase (its length as a context). */
    public static int phraseTokens(ClipModel model, String phrase) {
        return phraseTokens(model.tokenizer(), phrase);
    }

    /** As {@link #phraseTokens(ClipModel, String)}, from the tokenizer alone. */
    public static int phraseTokens(org.coft.clip.tokenizer.ClipTokenizer tokenizer, String phrase) {
        return tokenizer.encode(phrase).length - 2;
    }

    public int contextTokens() {
        return contextTokens;
    }

    public int classes() {
        return classNames.size();
    }

    public List<String> classNames() {
        return classNames;
    }

    public int width() {
        return model.textWidth();
    }

    /** Token ids [classes, context] of the prompts (placeholder tokens where the context goes). */
    public long[][] ids() {
        return ids;
    }

    /** Context [M, width] initialised from a phrase's token embeddings ("a photo of a"); M must match. */
    public INDArray phraseContext(String phrase) {
        int[] t = model.tokenizer().encode(phrase);
        if (t.length - 2 != contextTokens) {
            throw new IllegalArgumentException("init phrase '" + phrase + "' has " + (t.length - 2)
                    + " tokens but the context has " + contextTokens);
        }
        long[][] row = new long[1][t.length - 2];
        for (int i = 0; i < t.length - 2; i++) {
            row[0][i] = t[i + 1];
        }
        return model.tokenEmbeddings(row).reshape(contextTokens, width()).castTo(DataType.FLOAT).dup();
    }

    /** Context [M, width] drawn from N(0, std²) with a seeded generator (same seed, same values). */
    public INDArray randomContext(long seed, double std) {
        return gaussian(new long[] {contextTokens, width()}, seed, std);
    }

    /** Float array of the shape with entries from N(0, std²), seeded (independent of ND4J's RNG). */
    public static INDArray gaussian(long[] shape, long seed, double std) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] v = new float[Math.toIntExact(n)];
        java.util.Random r = new java.util.Random(new SplittableRandom(seed).nextLong());
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
        return Nd4j.create(v, shape, DataType.FLOAT);
    }

    /**
     * Prompt token embeddings [contexts.length × classes, context length, width]: for each context in turn, all
     * classes.
     */
    public SDVariable tokenEmbeddings(SameDiff sd, String name, SDVariable... contexts) {
        int c = classes();
        SDVariable pre = sd.constant(name + "/prefix", prefix);
        SDVariable suf = sd.constant(name + "/suffix", suffix);
        SDVariable zeros = sd.constant(name + "/zeros", Nd4j.zeros(DataType.FLOAT, c, contextTokens, width()));
        List<SDVariable> parts = new ArrayList<>();
        for (int i = 0; i < contexts.length; i++) {
            SDVariable ctx = zeros.add(sd.reshape(contexts[i], 1, contextTokens, width()));
            parts.add(sd.concat(name + "/prompts" + i, 1, pre, ctx, suf));
        }
        return parts.size() == 1 ? parts.get(0) : sd.concat(name + "/prompts", 0, parts.toArray(new SDVariable[0]));
    }

    /**
     * Adds the frozen text tower to {@code sd}, fed by the prompts of the given contexts, and returns the
     * projected (unnormalised) text features [contexts.length × classes, embed].
     */
    public SDVariable textFeatures(SameDiff sd, String name, SDVariable... contexts) {
        SDVariable emb = tokenEmbeddings(sd, name, contexts);
        int n = contexts.length;
        long[][] all = new long[n * ids.length][];
        for (int i = 0; i < n; i++) {
            System.arraycopy(ids, 0, all, i * ids.length, ids.length);
        }
        Map<String, SDVariable> in = new LinkedHashMap<>();
        in.put(ClipModel.TOKEN_EMBEDS_INPUT, emb);
        var graph = model.text().graph();
        for (Map.Entry<String, INDArray> e : model.textSideInputs(all).entrySet()) {
            DataType want = graph.inputType(e.getKey()).dataType();
            in.put(e.getKey(), sd.constant(name + "/" + e.getKey(), e.getValue().castTo(want)));
        }
        var defined = graph.defineInto(sd, name + "/text/", in, false);
        return defined.outputs().get(model.text().output());
    }

    /** Rows [from, to) of a [n, d] variable. */
    static SDVariable rows(SDVariable v, long from, long to) {
        return v.get(SDIndex.interval(from, to), SDIndex.all());
    }
}
