package org.coft.clip.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.coft.clip.onnx.ImportOptions;
import org.coft.clip.onnx.OnnxGraph;
import org.coft.clip.onnx.OnnxImportException;
import org.coft.clip.onnx.OnnxImporter;
import org.coft.clip.onnx.ir.Dim;
import org.coft.clip.onnx.ir.IrGraph;
import org.coft.clip.onnx.ir.IrNode;
import org.coft.clip.onnx.ir.TensorType;
import org.coft.clip.onnx.parse.OnnxParser;
import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.clip.tf.TfImporter;
import org.coft.clip.tokenizer.ClipTokenizer;
import org.coft.clip.tokenizer.Padding;
import org.coft.clip.tokenizer.TokenizerFileException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CLIP model loaded from a directory laid out like a Hugging Face {@code optimum} export:
 * {@code text_model.onnx} + {@code vision_model.onnx} (preferred) or {@code model.onnx} — or, instead of ONNX, a
 * TensorFlow model: the directory is a SavedModel, or holds one in {@code saved_model/}, or a frozen
 * {@code model.pb} (imported by {@link TfImporter}); {@code vocab.json} +
 * {@code merges.txt}, {@code tokenizer.json} or a {@code .txt.gz} BPE file; {@code preprocessor_config.json};
 * optional {@code config.json}. Works for Hugging Face and OpenAI/open_clip architectures, ViT or ResNet image
 * towers: seams are found by graph structure.
 *
 * <p>Seams: the text tower runs from token embeddings ({@link #encodeTokenEmbeddings}), so learned context
 * vectors can replace prompt words; image features are available before and after projection; each tower can
 * be frozen or trained ({@link ClipTower#setTrainable}).
 */
public final class ClipModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClipModel.class);
    /** Image-tower input of shallow visual prompts [P, width] (models loaded with visual prompts). */
    public static final String VISUAL_PROMPTS_INPUT = VisualPromptSeams.SHALLOW;
    /** Image-tower input of deep visual prompts [layers - 1, P, width] (models loaded with deep prompts). */
    public static final String VISUAL_PROMPTS_DEEP_INPUT = VisualPromptSeams.DEEP;
    /** Text-tower input of token embeddings [batch, context, width] (replaces the token-id lookup). */
    public static final String TOKEN_EMBEDS_INPUT = ClipSeams.TOKEN_EMBEDS;
    /** Text-tower output names looked for, in order. */
    public static final List<String> TEXT_OUTPUTS = List.of("text_embeds", "text_features");
    /** Image-tower output names looked for, in order. */
    public static final List<String> IMAGE_OUTPUTS = List.of("image_embeds", "image_features");

    private final Path dir;
    private final ClipTokenizer tokenizer;
    private final PreprocessConfig preprocess;
    private final ClipTower text;
    private final ClipTower vision;
    private final INDArray tokenTable;
    private final String idsInput;
    private final String maskInput;
    private final String pixelInput;
    private final int contextLength;
    private final double logitScale;
    private volatile int embedDim;
    private volatile boolean closed;
    private ClipLoadOptions options = ClipLoadOptions.defaults();

    private ClipModel(Path dir, ClipTokenizer tokenizer, PreprocessConfig preprocess, ClipTower text, ClipTower vision,
                      INDArray tokenTable, String idsInput, String maskInput, String pixelInput, int contextLength,
                      double logitScale) {
        this.dir = dir;
        this.tokenizer = tokenizer;
        this.preprocess = preprocess;
        this.text = text;
        this.vision = vision;
        this.tokenTable = tokenTable;
        this.idsInput = idsInput;
        this.maskInput = maskInput;
        this.pixelInput = pixelInput;
        this.contextLength = contextLength;
        this.logitScale = logitScale;
    }

    /**
     * Loads a model directory.
     *
     * @throws ClipModelException naming the directory and the missing or unreadable file, or the graph problem
     */
    public static ClipModel load(Path dir) throws ClipModelException {
        return load(dir, ClipLoadOptions.defaults());
    }

    /**
     * Loads a model directory, inserting visual prompt tokens into the image tower when {@code options} asks;
     * the image tower then has the extra inputs {@value VisualPromptSeams#SHALLOW} [P, width] and, for deep
     * prompts, {@value VisualPromptSeams#DEEP} [layers − 1, P, width].
     */
    public static ClipModel load(Path dir, ClipLoadOptions options) throws ClipModelException {
        if (!Files.isDirectory(dir)) {
            throw new ClipModelException("model directory " + dir + " does not exist");
        }
        Path whole = dir.resolve("model.onnx");
        Path textFile = textFile(dir);
        Path visionFile = visionFile(dir);
        if (!hasOnnxTowers(dir)) {
            Path tf = TfImporter.findModel(dir);
            if (tf == null) {
                throw new ClipModelException("model directory " + dir + " has no model graph: expected text_model.onnx"
                        + " + vision_model.onnx, or model.onnx, or a TensorFlow model (saved_model.pb, saved_model/"
                        + "saved_model.pb, or a frozen model.pb)");
            }
            whole = tf;
            textFile = tf;
            visionFile = tf;
        }
        ClipTokenizer tokenizer;
        try {
            tokenizer = ClipTokenizer.fromModelDir(dir);
        } catch (TokenizerFileException e) {
            throw new ClipModelException("model directory " + dir + ": " + e.getMessage(), e);
        }
        JsonNode config = readConfig(dir.resolve("config.json"));
        int fullContext = config.path("text_config").path("max_position_embeddings").asInt(77);
        if (options.textContext() > fullContext) {
            throw new ClipModelException("text context " + options.textContext() + " exceeds the model's "
                    + fullContext + " positions (" + dir + ")");
        }
        int context = options.textContext() > 0 ? options.textContext() : fullContext;
        PreprocessConfig preprocess;
        Path pp = dir.resolve("preprocessor_config.json");
        try {
            preprocess = Files.isRegularFile(pp) ? PreprocessConfig.fromHuggingFace(pp)
                    : PreprocessConfig.clipDefault(config.path("vision_config").path("image_size").asInt(224));
        } catch (IOException | IllegalArgumentException e) {
            throw new ClipModelException("cannot read " + pp + ": " + e.getMessage(), e);
        }
        try {
            OnnxImporter importer = new OnnxImporter();
            // each file is parsed once (a whole model.onnx serves both towers and the logit scale)
            Map<Path, IrGraph> parsed = new java.util.HashMap<>();
            IrGraph textGraph = parsedCopy(parsed, textFile);
            IrGraph visionGraph = parsedCopy(parsed, visionFile);
            TowerImport t = importTower(importer, textGraph, textFile, TEXT_OUTPUTS, true, context, preprocess, options);
            TowerImport v = importTower(importer, visionGraph, visionFile, IMAGE_OUTPUTS, false, context, preprocess,
                    options);
            // a whole model.onnx already parsed for a tower is reused; one opened only for the logit scale (a
            // scalar behind Exp) is read without decoding its weights (~0.6 GB less peak RSS for ViT-B/32)
            IrGraph wholeGraph = parsed.containsKey(whole) ? parsed.get(whole)
                    : Files.isRegularFile(whole) ? OnnxParser.parseStructure(whole, 1) : null;
            double scale = logitScale(wholeGraph, config);
            parsed.clear();
            // parsing leaves ~1 GB of protobuf bytes on the heap and superseded weight copies whose native memory
            // is freed only when the GC runs: one collection here keeps them out of the peak of later forwards
            // (ViT-B/32, batch 32: 4.1 GB -> 2.7 GB peak RSS after image and text forwards)
            System.gc();
            ClipModel m = new ClipModel(dir, tokenizer, preprocess, t.tower, v.tower, t.tokenTable, t.idsInput,
                    t.maskInput, v.pixelInput, context, scale);
            m.options = options;
            return m;
        } catch (OnnxImportException e) {
            throw new ClipModelException(e.getMessage(), e);
        }
    }

    /** Whether a model directory has ONNX files for both towers (else it is read as a TensorFlow model). */
    public static boolean hasOnnxTowers(Path dir) {
        return Files.isRegularFile(textFile(dir)) && Files.isRegularFile(visionFile(dir));
    }

    private static Path textFile(Path dir) {
        Path text = dir.resolve("text_model.onnx");
        return Files.isRegularFile(text) ? text : dir.resolve("model.onnx");
    }

    /** The ONNX file of a model directory the image tower is imported from: vision_model.onnx, else model.onnx. */
    public static Path visionFile(Path dir) {
        Path vision = dir.resolve("vision_model.onnx");
        return Files.isRegularFile(vision) ? vision : dir.resolve("model.onnx");
    }

    private record TowerImport(ClipTower tower, INDArray tokenTable, String idsInput, String maskInput,
                               String pixelInput) { }

    private static IrGraph parsedCopy(Map<Path, IrGraph> parsed, Path file) throws OnnxImportException {
        IrGraph g = parsed.get(file);
        if (g == null) {
            g = file.toString().endsWith(".onnx") ? OnnxParser.parse(file) : TfImporter.parse(file);
            parsed.put(file, g);
        }
        return g.copy();
    }

    private static TowerImport importTower(OnnxImporter importer, IrGraph g, Path file, List<String> outputNames,
                                           boolean textTower, int context, PreprocessConfig pp, ClipLoadOptions options)
            throws OnnxImportException, ClipModelException {
        String output = outputNames.stream().filter(g.outputs()::contains).findFirst().orElseThrow(() ->
                new ClipModelException(file + " has none of the outputs " + outputNames + " (it has " + g.outputs() + ")"));
        String ids = null;
        String mask = null;
        String pixels = null;
        Map<String, Long> dims = new LinkedHashMap<>();
        for (Map.Entry<String, TensorType> in : g.inputs().entrySet()) {
            TensorType t = in.getValue();
            if (t.rank() == 2 && t.dataType().isIntType()) {
                if (in.getKey().contains("mask")) {
                    mask = in.getKey();
                } else {
                    ids = in.getKey();
                }
                if (t.dim(1).isKnown() && t.dim(1).value() != context) {
                    throw new ClipModelException(file + ": text input '" + in.getKey() + "' has a fixed length of "
                            + t.dim(1).value() + " tokens but the text context is " + context + " (config.json "
                            + "text_config.max_position_embeddings, or the text-context load option)");
                }
                bind(dims, t.dim(1), context);
            } else if (t.rank() == 4 && t.dataType().isFPType()) {
                pixels = in.getKey();
                bind(dims, t.dim(1), 3);
                bind(dims, t.dim(2), pp.outputHeight());
                bind(dims, t.dim(3), pp.outputWidth());
            }
        }
        if (textTower && ids == null || !textTower && pixels == null) {
            throw new ClipModelException(file + " has no " + (textTower ? "token-id input (int64 [batch, sequence])"
                    : "image input (float [batch, 3, H, W])") + "; inputs are " + g.inputs());
        }
        final INDArray[] table = new INDArray[1];
        final String[] pre = new String[1];
        final long[] promptWidth = new long[1];
        final String pixelName = pixels;
        boolean prompts = !textTower && options.visualPromptTokens() > 0;
        OnnxGraph graph = importer.importGraph(g, new ImportOptions(dims, true), new OnnxImporter.Hooks() {
            @Override
            public void beforeRewrite(IrGraph ir) throws OnnxImportException {
                ir.outputs().clear();
                ir.outputs().add(output);
                if (textTower) {
                    ClipSeams.TokenEmbedding te = ClipSeams.cutTokenEmbedding(ir);
                    table[0] = te == null ? null : te.table();
                }
                if (prompts) {
                    try {
                        promptWidth[0] = VisualPromptSeams.insertShallow(ir, pixelName, options.visualPromptTokens());
                    } catch (IllegalArgumentException e) {
                        throw new OnnxImportException(file.toString(), e.getMessage(), e);
                    }
                }
            }

            @Override
            public void beforeEmit(IrGraph ir) throws OnnxImportException {
                if (prompts && options.deepPrompts()) {
                    try {
                        VisualPromptSeams.replaceDeep(ir, options.visualPromptTokens(), promptWidth[0]);
                    } catch (IllegalArgumentException e) {
                        throw new OnnxImportException(file.toString(), e.getMessage(), e);
                    }
                    var problems = new org.coft.clip.onnx.passes.FoldAndInfer(
                            org.coft.clip.onnx.ops.OpRegistry.standard()).apply(ir);
                    if (!problems.isEmpty()) {
                        throw new OnnxImportException(file.toString(), problems);
                    }
                }
                pre[0] = ClipSeams.beforeProjection(ir, output);
                if (pre[0] != null && !ir.outputs().contains(pre[0])) {
                    ir.outputs().add(pre[0]);
                }
                dropUnusedInputs(ir);
            }
        });
        if (textTower && table[0] == null) {
            throw new ClipModelException(file + ": no token-embedding lookup (Gather of a [vocab, width] table by "
                    + ids + ") found, so the text tower cannot run from token embeddings");
        }
        return new TowerImport(new ClipTower(graph, output, pre[0]), table[0], ids,
                mask != null && graph.inputNames().contains(mask) ? mask : null, pixels);
    }

    private static void bind(Map<String, Long> dims, Dim d, long value) {
        if (!d.isKnown()) {
            dims.put(d.symbol(), value);
        }
    }

    private static void dropUnusedInputs(IrGraph g) {
        Set<String> used = new HashSet<>(g.outputs());
        for (IrNode n : g.nodes()) {
            used.addAll(n.inputs());
        }
        g.inputs().keySet().removeIf(k -> !used.contains(k));
    }

    private static JsonNode readConfig(Path file) throws ClipModelException {
        if (!Files.isRegularFile(file)) {
            return new ObjectMapper().createObjectNode();
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ClipModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static double logitScale(IrGraph g, JsonNode config) {
        if (g != null) {
            for (String logits : List.of("logits_per_text", "logits_per_image")) {
                if (g.outputs().contains(logits)) {
                    double s = ClipSeams.logitScale(g, logits);
                    if (!Double.isNaN(s)) {
                        return s;
                    }
                }
            }
        }
        if (config.has("logit_scale")) {
            return Math.exp(config.get("logit_scale").asDouble());
        }
        double init = config.path("logit_scale_init_value").asDouble(Math.log(100.0));
        LOG.warn("no model.onnx with logits to read the logit scale from; using exp(logit_scale_init_value) = {}",
                Math.exp(init));
        return Math.exp(init);
    }

    public Path directory() {
        return dir;
    }

    /** The options this model was loaded with: {@code load(directory(), loadOptions())} loads it again. */
    public ClipLoadOptions loadOptions() {
        return options;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public PreprocessConfig preprocess() {
        return preprocess;
    }

    public ClipTower text() {
        return text;
    }

    public ClipTower vision() {
        return vision;
    }

    public int contextLength() {
        return contextLength;
    }

    /** {@code exp(logit_scale)}: the factor between cosine similarities and logits. */
    public double logitScale() {
        return logitScale;
    }

    /** The token-embedding table [vocab, width] (frozen; the text tower's graph starts after the lookup). */
    public INDArray tokenEmbeddingTable() {
        return tokenTable;
    }

    public int textWidth() {
        return (int) tokenTable.size(1);
    }

    /** Token ids, zero-padded to the context length, for a batch of texts. */
    public long[][] tokenize(List<String> texts) {
        return tokenizer.encodeBatch(texts, contextLength, Padding.ZERO);
    }

    /** Token embeddings [batch, context, width] of token ids (a table lookup). */
    public INDArray tokenEmbeddings(long[][] ids) {
        INDArray idx = Nd4j.createFromArray(ids).reshape(-1);
        INDArray rows = Nd4j.pullRows(tokenTable, 1, idx.toIntVector());
        return rows.reshape(ids.length, ids[0].length, tokenTable.size(1));
    }

    /** The graph inputs the text tower needs besides the embeddings: token ids (for pooling) and mask. */
    public Map<String, INDArray> textSideInputs(long[][] ids) {
        Map<String, INDArray> in = new LinkedHashMap<>();
        INDArray idArr = Nd4j.createFromArray(ids);
        if (text.graph().inputNames().contains(idsInput)) {
            in.put(idsInput, idArr);
        }
        if (maskInput != null) {
            in.put(maskInput, Nd4j.createFromArray(tokenizer.attentionMask(ids)));
        }
        return in;
    }

    /** ONNX name of the attention-mask input of the text tower, or null when it has none. */
    public String maskInput() {
        return maskInput;
    }

    public String idsInput() {
        return idsInput;
    }

    public String pixelInput() {
        return pixelInput;
    }

    /** Width of the joint embedding space (projected image and text features), measured once on first call. */
    public int embedDim() {
        int d = embedDim;
        if (d == 0) {
            d = (int) encodeTexts(List.of("a")).size(1);
            embedDim = d;
        }
        return d;
    }

    /**
     * Frees the native arrays the towers keep between calls (their static execution plans); the model cannot
     * encode after this ({@link IllegalStateException}). Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        text.graph().releasePlans();
        vision.graph().releasePlans();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this ClipModel (" + dir + ") was closed");
        }
    }

    /** Projected text features [batch, embed] (as the export defines them: unnormalised for split towers). */
    public INDArray encodeTexts(List<String> texts) {
        long[][] ids = tokenize(texts);
        return encodeTokenEmbeddings(tokenEmbeddings(ids), ids);
    }

    /** Projected text features from token embeddings [batch, context, width] and the ids used for pooling. */
    public INDArray encodeTokenEmbeddings(INDArray embeddings, long[][] ids) {
        requireOpen();
        Map<String, INDArray> in = textSideInputs(ids);
        in.put(ClipSeams.TOKEN_EMBEDS, embeddings.castTo(DataType.FLOAT));
        return text.run(in, List.of(text.output())).get(text.output());
    }

    /** Projected image features [batch, embed] of preprocessed pixels [batch, 3, H, W]. */
    public INDArray encodeImages(INDArray pixels) {
        requireOpen();
        return vision.run(Map.of(pixelInput, pixels), List.of(vision.output())).get(vision.output());
    }

    /** Image features before the projection [batch, width]. */
    public INDArray encodeImagesBeforeProjection(INDArray pixels) {
        requireOpen();
        if (vision.beforeProjection() == null) {
            throw new IllegalStateException("the image tower's projection was not found in " + dir);
        }
        return vision.run(Map.of(pixelInput, pixels), List.of(vision.beforeProjection())).get(vision.beforeProjection());
    }

    /** Row-wise L2 normalisation. */
    public static INDArray normalize(INDArray features) {
        INDArray norms = features.norm2(1).reshape(-1, 1);
        return features.divColumnVector(norms);
    }
}
