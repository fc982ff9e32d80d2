package org.coft.clip.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.coft.clip.Tensors;
import org.coft.clip.model.ClipLoadOptions;
import org.coft.clip.model.ClipModel;
import org.coft.clip.zeroshot.PromptTemplates;
import org.coft.clip.zeroshot.ZeroShotClassifier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committed TensorFlow micro-CLIP ({@code models/micro-clip-tf}, a SavedModel written by
 * {@link MicroClipTfExport}) is the ONNX micro-CLIP ({@code models/micro-clip}) for {@link ClipModel}, at the full and
 * at a trimmed text context: image features before projection, logit scale, token table and zero-shot predictions
 * identical; normalised text and image features and zero-shot logits equal up to float32 rounding (measured 6.0e-8,
 * 3.0e-8, 4.8e-7; asserted atol 1e-6 / rtol 1e-5, scaled by the logit scale for logits), because the TF graph ends in
 * {@code TFCLIPModel}'s L2 normalisation and the ONNX tower files do not. And every committed file has the sha256
 * its {@code manifest.json} records. No TensorFlow runs.
 */
class MicroClipTfDirTest {
    private static final Logger LOG = LoggerFactory.getLogger(MicroClipTfDirTest.class);
    /** Normalising the TF graph's unit vectors again vs the ONNX towers' raw ones: float32 rounding only. */
    private static final double ATOL = 1e-6;
    private static final double RTOL = 1e-5;
    private static final List<String> PROMPTS = List.of("a photo of a zero.", "a photo of a one.", "a photo of a two.",
            "a photo of a three.", "a photo of a four.", "a photo of a five.", "a photo of a six.",
            "a photo of a seven.", "a photo of a eight.", "a photo of a nine.", "a photo of a t-shirt.", "ankle boot",
            "a handwritten digit seven on a black background");

    @Test
    void tfDirectoryGivesTheOnnxModelsFeaturesAndLogits() throws Exception {
        INDArray pixels = Nd4j.getRandomFactory().getNewRandomInstance(11).nextGaussian(new long[] {7, 3, 28, 28})
                .castTo(DataType.FLOAT);
        List<String> classes = PROMPTS.subList(0, 10);
        for (ClipLoadOptions options : List.of(ClipLoadOptions.defaults(),
                ClipLoadOptions.defaults().withTextContext(16))) {
            try (ClipModel tf = ClipModel.load(MicroClipTfExport.DIR, options);
                 ClipModel onnx = ClipModel.load(MicroClipTf.DIR, options)) {
                String ctx = "context " + tf.contextLength();
                assertEquals(onnx.contextLength(), tf.contextLength(), ctx);
                assertEquals(onnx.logitScale(), tf.logitScale(), 0, "logit scale");
                assertEquals(onnx.tokenEmbeddingTable(), tf.tokenEmbeddingTable(), "token embedding table");
                // the TF graph L2-normalises its embeddings (as TFCLIPModel's outputs are), the ONNX towers
                // (CLIP*ModelWithProjection) do not: compare what every user of ClipModel compares, unit vectors
                LOG.info("{} text features TF vs ONNX: {}", ctx, Tensors.assertClose(ctx + " text features",
                        ClipModel.normalize(tf.encodeTexts(PROMPTS)), ClipModel.normalize(onnx.encodeTexts(PROMPTS)),
                        ATOL, RTOL));
                LOG.info("{} image features TF vs ONNX: {}", ctx, Tensors.assertClose(ctx + " image features",
                        ClipModel.normalize(tf.encodeImages(pixels)), ClipModel.normalize(onnx.encodeImages(pixels)),
                        ATOL, RTOL));
                LOG.info("{} image features before projection TF vs ONNX: {}", ctx, Tensors.assertClose(ctx
                        + " image features before projection", tf.encodeImagesBeforeProjection(pixels),
                        onnx.encodeImagesBeforeProjection(pixels), 0, 0));
                ZeroShotClassifier zt = ZeroShotClassifier.build(tf, classes, PromptTemplates.single());
                ZeroShotClassifier zo = ZeroShotClassifier.build(onnx, classes, PromptTemplates.single());
                INDArray lt = zt.logits(ClipModel.normalize(tf.encodeImages(pixels)));
                INDArray lo = zo.logits(ClipModel.normalize(onnx.encodeImages(pixels)));
                LOG.info("{} zero-shot logits TF vs ONNX: {}", ctx, Tensors.assertClose(ctx + " zero-shot logits",
                        lt, lo, ATOL * tf.logitScale(), RTOL));
                assertArrayEquals(lo.argMax(1).toLongVector(), lt.argMax(1).toLongVector(), ctx + " predictions");
            }
        }
    }

    @Test
    void everyCommittedFileHasItsRecordedSha256() throws Exception {
        JsonNode manifest = new ObjectMapper().readTree(MicroClipTfExport.DIR.resolve("manifest.json").toFile());
        JsonNode sha = manifest.get("sha256");
        List<String> onDisk = new ArrayList<>();
        try (Stream<Path> s = Files.walk(MicroClipTfExport.DIR)) {
            s.filter(Files::isRegularFile).forEach(p -> onDisk.add(
                    MicroClipTfExport.DIR.relativize(p).toString().replace('\\', '/')));
        }
        for (String f : onDisk) {
            if (f.equals("manifest.json") || f.equals("README.md")) {
                continue;
            }
            assertTrue(sha.has(f), f + " is in models/micro-clip-tf but not in its manifest");
            assertEquals(sha.get(f).asText(), MicroClipTfExport.sha256(MicroClipTfExport.DIR.resolve(f)), f);
        }
        sha.fieldNames().forEachRemaining(f -> assertTrue(onDisk.contains(f), f + " recorded but missing"));
        assertEquals(MicroClipTfExport.sha256(MicroClipTf.DIR.resolve("model.onnx")),
                manifest.get("source_sha256").asText(), "generated from the committed models/micro-clip/model.onnx");
        for (String f : MicroClipTfExport.COPIED) {
            assertEquals(MicroClipTfExport.sha256(MicroClipTf.DIR.resolve(f)), sha.get(f).asText(),
                    f + " is models/micro-clip's");
        }
    }
}
