package org.coft.dl4j.phase1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.coft.dl4j.seeds.ShortfallPolicy;

/**
 * Settings of seed selection and Phase I (one record, JSON-readable; every field has a default, see
 * {@link #defaults()}). Choices where the paper is silent are marked "(ours)".
 *
 * @param negativePrompt   learn the negative prompt and L2 (CoFT); false: a single positive prompt (UPL / CoOp)
 * @param contextTokens    M context vectors per prompt (16); ignored when {@code contextInit} is set
 * @param contextInit      phrase whose token embeddings initialise the positive context ("a photo of a", M = 4);
 *                         "" = M random N(0, std²) vectors. (ours: with ~160 noisy seeds a random 16-vector context
 *                         lost to zero-shot in a UPL pilot, the phrase start did not)
 * @param contextStd       std of random context init (0.02, CoOp)
 * @param visual           visual module (VPT_DEEP)
 * @param promptTokens     visual prompt tokens (20 deep, paper-style VPT default) (ours for the micro model)
 * @param adapterHidden    adapter bottleneck width (0 = embed / 4) (ours)
 * @param lambda           weight of L2 (1)
 * @param tau              temperature of p_clean; 0 = 1 / CLIP's logit scale, i.e. p_clean = sigmoid of the logit
 *                         difference (ours)
 * @param l2ToVisual       whether L2's gradient reaches the visual module (true: the negative prompt regularises
 *                         the visual modules, as the paper says)
 * @param seedsPerClass    K (16)
 * @param shortfall        classes with fewer than K predicted examples (FILL_BY_SCORE) (ours)
 * @param templates        zero-shot templates for the seeds ("a photo of a {}.")
 * @param epochs           passes over the seed set per model (20; 100 steps for 16 seeds x 10 classes) (ours)
 * @param batchSize        seeds per step (32)
 * @param learningRate     Adam, cosine-decayed to 0 over the run (2e-3) (ours: CoOp uses SGD 2e-3)
 * @param weightDecay      L2 weight decay added to the gradients (0)
 * @param checkpointEvery  steps between checkpoints of a model (0 = end of each epoch only)
 * @param scoreBatch       images per forward when scoring all images (256)
 * @param descriptions     extra zero-shot prompts per class name (e.g. LLM-written descriptions, CoFT+), averaged with
 *                         the filled templates into the class embedding that picks the seeds (none)
 * @param outputPrior      the Phase I classifier's output prior, fitted on the adaptation images ({@link OutputPrior};
 *                         UNIFORM for CoFT, chosen on the development task fashion-zoom; NONE for UPL and CoOp, the
 *                         published baselines; NONE where a config file predating it is read)
 * @param ensemble         single-prompt methods: prompts trained from different initialisations (model seeds) whose
 *                         predictions are averaged (1; UPL: 16, its published prompt-representation ensemble); CoFT
 *                         always trains its two models A and B, so 1 there; 0 (a config predating it) reads as 1
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record PhaseOneConfig(boolean negativePrompt, int contextTokens, String contextInit, double contextStd,
                             VisualModule visual, int promptTokens, int adapterHidden, double lambda, double tau,
                             boolean l2ToVisual, int seedsPerClass, ShortfallPolicy shortfall, List<String> templates,
                             int epochs, int batchSize, double learningRate, double weightDecay, int checkpointEvery,
                             int scoreBatch, java.util.Map<String, List<String>> descriptions,
                             OutputPrior outputPrior, int ensemble)
        implements java.io.Serializable {

    public PhaseOneConfig {
        templates = templates == null ? List.of("a photo of a {}.") : List.copyOf(templates);
        descriptions = descriptions == null ? java.util.Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(descriptions));
        contextInit = contextInit == null ? "" : contextInit;
        visual = visual == null ? VisualModule.VPT_DEEP : visual;
        shortfall = shortfall == null ? ShortfallPolicy.FILL_BY_SCORE : shortfall;
        outputPrior = outputPrior == null ? OutputPrior.NONE : outputPrior;
        ensemble = ensemble == 0 ? 1 : ensemble;
        require(ensemble >= 1 && ensemble <= MAX_ENSEMBLE, "ensemble", ensemble, "1 to " + MAX_ENSEMBLE);
        require(ensemble == 1 || !negativePrompt, "ensemble", ensemble,
                "1 with negativePrompt = true (CoFT trains its two models A and B; an ensemble is for single-prompt "
                        + "methods such as UPL)");
        require(contextTokens >= 1, "contextTokens", contextTokens, "at least 1");
        require(contextStd > 0, "contextStd", contextStd, "positive");
        require(promptTokens >= 1, "promptTokens", promptTokens, "at least 1");
        require(adapterHidden >= 0, "adapterHidden", adapterHidden, "0 (embed/4) or positive");
        require(lambda >= 0, "lambda", lambda, "non-negative");
        require(tau >= 0, "tau", tau, "0 (1/logit scale) or positive");
        require(seedsPerClass >= 1, "seedsPerClass", seedsPerClass, "at least 1");
        require(epochs >= 1, "epochs", epochs, "at least 1");
        require(batchSize >= 1, "batchSize", batchSize, "at least 1");
        require(learningRate > 0, "learningRate", learningRate, "positive");
        require(weightDecay >= 0, "weightDecay", weightDecay, "non-negative");
        require(checkpointEvery >= 0, "checkpointEvery", checkpointEvery, "0 or positive");
        require(scoreBatch >= 1, "scoreBatch", scoreBatch, "at least 1");
        for (String t : templates) {
            require(t.contains("{}"), "templates", t, "a template containing {}");
        }
    }

    /** The largest {@code ensemble}: its models are named A to Z. */
    public static final int MAX_ENSEMBLE = 26;

    private static void require(boolean ok, String field, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("config field '" + field + "' = " + value + ": expected " + expected);
        }
    }

    /** CoFT Phase I defaults. */
    public static PhaseOneConfig defaults() {
        return new PhaseOneConfig(true, 16, "a photo of a", 0.02, VisualModule.VPT_DEEP, 20, 0, 1.0, 0.0, true, 16,
                ShortfallPolicy.FILL_BY_SCORE, List.of("a photo of a {}."), 20, 32, 2e-3, 0.0, 0, 256, java.util.Map.of(),
                OutputPrior.UNIFORM, 1);
    }

    /**
     * UPL (Huang et al. 2022): the same seeds, learnable positive prompts with cross-entropy, no visual module, and
     * UPL's prompt-representation ensemble: {@value #UPL_ENSEMBLE} prompts from different initialisations, their
     * predictions averaged.
     */
    public static PhaseOneConfig upl() {
        return defaults().withNegativePrompt(false).withVisual(VisualModule.NONE).withOutputPrior(OutputPrior.NONE)
                .withEnsemble(UPL_ENSEMBLE);
    }

    /** UPL's published number of prompt representations (its code trains 16 seeds and averages their outputs). */
    public static final int UPL_ENSEMBLE = 16;

    public PhaseOneConfig withEnsemble(int n) {
        return with(c -> c.ensemble = n);
    }

    public PhaseOneConfig withOutputPrior(OutputPrior o) {
        return with(c -> c.outputPrior = o);
    }

    public PhaseOneConfig withNegativePrompt(boolean v) {
        return with(c -> c.negativePrompt = v);
    }

    public PhaseOneConfig withVisual(VisualModule v) {
        return with(c -> c.visual = v);
    }

    public PhaseOneConfig withContext(int tokens, String init) {
        return with(c -> {
            c.contextTokens = tokens;
            c.contextInit = init;
        });
    }

    public PhaseOneConfig withTraining(int epochs, int batchSize, double learningRate) {
        return with(c -> {
            c.epochs = epochs;
            c.batchSize = batchSize;
            c.learningRate = learningRate;
        });
    }

    public PhaseOneConfig withCheckpointEvery(int steps) {
        return with(c -> c.checkpointEvery = steps);
    }

    public PhaseOneConfig withSeeds(int k, ShortfallPolicy policy) {
        return with(c -> {
            c.seedsPerClass = k;
            c.shortfall = policy;
        });
    }

    public PhaseOneConfig withL2(double lambda, double tau, boolean toVisual) {
        return with(c -> {
            c.lambda = lambda;
            c.tau = tau;
            c.l2ToVisual = toVisual;
        });
    }

    public PhaseOneConfig withPromptTokens(int p) {
        return with(c -> c.promptTokens = p);
    }

    public PhaseOneConfig withTemplates(List<String> t) {
        return with(c -> c.templates = t);
    }

    /** A copy with these zero-shot templates and per-class descriptions (CoFT+'s richer prompts). */
    public PhaseOneConfig withPrompts(List<String> t, java.util.Map<String, List<String>> d) {
        return with(c -> {
            c.templates = t;
            c.descriptions = d;
        });
    }

    /** A copy with {@code change} applied to its components (validated again by the canonical constructor). */
    private PhaseOneConfig with(java.util.function.Consumer<Components> change) {
        Components c = new Components(this);
        change.accept(c);
        return c.build();
    }

    /** The components as mutable fields: the one place the {@code withX} copies call the canonical constructor. */
    private static final class Components {
        boolean negativePrompt;
        int contextTokens;
        String contextInit;
        double contextStd;
        VisualModule visual;
        int promptTokens;
        int adapterHidden;
        double lambda;
        double tau;
        boolean l2ToVisual;
        int seedsPerClass;
        ShortfallPolicy shortfall;
        List<String> templates;
        int epochs;
        int batchSize;
        double learningRate;
        double weightDecay;
        int checkpointEvery;
        int scoreBatch;
        java.util.Map<String, List<String>> descriptions;
        OutputPrior outputPrior;
        int ensemble;

        Components(PhaseOneConfig c) {
            negativePrompt = c.negativePrompt;
            contextTokens = c.contextTokens;
            contextInit = c.contextInit;
            contextStd = c.contextStd;
            visual = c.visual;
            promptTokens = c.promptTokens;
            adapterHidden = c.adapterHidden;
            lambda = c.lambda;
            tau = c.tau;
            l2ToVisual = c.l2ToVisual;
            seedsPerClass = c.seedsPerClass;
            shortfall = c.shortfall;
            templates = c.templates;
            epochs = c.epochs;
            batchSize = c.batchSize;
            learningRate = c.learningRate;
            weightDecay = c.weightDecay;
            checkpointEvery = c.checkpointEvery;
            scoreBatch = c.scoreBatch;
            descriptions = c.descriptions;
            outputPrior = c.outputPrior;
            ensemble = c.ensemble;
        }

        PhaseOneConfig build() {
            return new PhaseOneConfig(negativePrompt, contextTokens, contextInit, contextStd, visual, promptTokens,
                    adapterHidden, lambda, tau, l2ToVisual, seedsPerClass, shortfall, templates, epochs, batchSize,
                    learningRate, weightDecay, checkpointEvery, scoreBatch, descriptions, outputPrior, ensemble);
        }
    }

    static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /**
     * Reads a JSON config; fields left out keep their {@link #defaults()} values.
     *
     * @throws IOException naming the file and the bad field
     */
    public static PhaseOneConfig read(Path file) throws IOException {
        return read(file, defaults());
    }

    /** Reads a JSON config over {@code defaults}: fields left out keep their values there. */
    public static PhaseOneConfig read(Path file, PhaseOneConfig defaults) throws IOException {
        ObjectMapper m = mapper();
        var base = m.valueToTree(defaults);
        var given = org.coft.dl4j.run.JsonFiles.readObject(file, "a JSON object of Phase I settings");
        if (given == null || !given.isObject()) {
            throw new IOException(file + ": expected a JSON object of Phase I settings");
        }
        var it = given.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!base.has(e.getKey())) {
                throw new IOException(file + ": unknown field '" + e.getKey() + "'; fields are " + fieldNames());
            }
            ((com.fasterxml.jackson.databind.node.ObjectNode) base).set(e.getKey(), e.getValue());
        }
        try {
            return m.treeToValue(base, PhaseOneConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    static List<String> fieldNames() {
        List<String> out = new java.util.ArrayList<>();
        mapper().valueToTree(defaults()).fieldNames().forEachRemaining(out::add);
        return out;
    }

    /**
     * Reads {@link #toJson()}'s text back.
     *
     * @throws IOException naming the bad field
     */
    public static PhaseOneConfig fromJson(String json) throws IOException {
        try {
            return mapper().readValue(json, PhaseOneConfig.class);
        } catch (IllegalArgumentException e) {
            throw new IOException("Phase I config: " + e.getMessage(), e);
        }
    }

    public String toJson() {
        try {
            return mapper().writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
