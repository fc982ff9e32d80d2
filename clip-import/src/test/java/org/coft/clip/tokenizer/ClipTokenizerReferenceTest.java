package org.coft.clip.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parity with the reference tokenizations in {@code shared/data/clip-bpe/reference-ids.tsv} (agreed by three
 * independent CLIP tokenizers), using OpenAI's {@code bpe_simple_vocab_16e6.txt.gz}.
 *
 * <p>The shared folder is taken from the system property {@code coft.shared.dir}, else {@code ../../shared}
 * (the repository's parent, seen from the module folder Maven runs tests in), else {@code ../shared}. The
 * tests are skipped, naming the paths looked at, when the files are absent.
 */
class ClipTokenizerReferenceTest {

    private static final Logger LOG = LoggerFactory.getLogger(ClipTokenizerReferenceTest.class);
    private static final String DATA = "data/clip-bpe";

    private static Path bpeGz;
    private static Path referenceTsv;
    private static ClipTokenizer tokenizer;

    /** One line of the reference file: the unescaped text and its ids. */
    private record Reference(int line, String text, int[] ids) {
    }

    @BeforeAll
    static void locateSharedData() throws IOException {
        String property = System.getProperty("coft.shared.dir");
        List<Path> candidates = property != null ? List.of(Path.of(property))
                : List.of(Path.of("../../shared"), Path.of("../shared"));
        for (Path shared : candidates) {
            Path dir = shared.resolve(DATA);
            if (Files.isRegularFile(dir.resolve("bpe_simple_vocab_16e6.txt.gz"))
                    && Files.isRegularFile(dir.resolve("reference-ids.tsv"))) {
                bpeGz = dir.resolve("bpe_simple_vocab_16e6.txt.gz");
                referenceTsv = dir.resolve("reference-ids.tsv");
                tokenizer = ClipTokenizer.fromBpeGz(bpeGz);
                return;
            }
        }
        List<String> looked = new ArrayList<>();
        candidates.forEach(c -> looked.add(c.resolve(DATA).toAbsolutePath().normalize().toString()));
        String reason = "shared CLIP BPE data not found: looked for bpe_simple_vocab_16e6.txt.gz and"
                + " reference-ids.tsv in " + looked + (property != null ? " (from -Dcoft.shared.dir)"
                : "; set -Dcoft.shared.dir=<folder holding data/clip-bpe>");
        LOG.warn("Skipping {}: {}", ClipTokenizerReferenceTest.class.getSimpleName(), reason);
        Assumptions.assumeTrue(false, reason);
    }

    private static List<Reference> references() throws IOException {
        List<String> lines = Files.readAllLines(referenceTsv, StandardCharsets.UTF_8);
        List<Reference> references = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty()) {
                continue;
            }
            int tab = line.lastIndexOf('\t');
            assertTrue(tab >= 0, referenceTsv + " line " + (i + 1) + ": expected text<TAB>ids");
            int[] ids = Arrays.stream(line.substring(tab + 1).split(",")).map(String::trim)
                    .mapToInt(Integer::parseInt).toArray();
            references.add(new Reference(i + 1, unescape(line.substring(0, tab)), ids));
        }
        return references;
    }

    /** The reference file writes newline and tab inside texts as backslash escapes. */
    private static String unescape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                char next = text.charAt(i + 1);
                if (next == 'n' || next == 't' || next == '\\') {
                    out.append(next == 'n' ? '\n' : next == 't' ? '\t' : '\\');
                    i++;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    @Test
    void standardVocabularyHasClipLayout() {
        assertEquals(49408, tokenizer.vocabSize());
        assertEquals(49406, tokenizer.startOfTextId());
        assertEquals(49407, tokenizer.endOfTextId());
    }

    @Test
    void reproducesEveryReferenceLine() throws IOException {
        List<Reference> references = references();
        List<String> mismatches = new ArrayList<>();
        for (Reference reference : references) {
            int[] actual = tokenizer.encode(reference.text());
            if (!Arrays.equals(reference.ids(), actual)) {
                mismatches.add("line " + reference.line() + " '" + reference.text() + "': expected "
                        + Arrays.toString(reference.ids()) + ", got " + Arrays.toString(actual));
            }
        }
        LOG.info("{}: {} of {} reference lines reproduced", referenceTsv, references.size() - mismatches.size(),
                references.size());
        assertTrue(references.size() >= 20, "expected the full reference file, read " + references.size());
        assertEquals(List.of(), mismatches, "reference lines not reproduced");
    }

    @Test
    void huggingFaceFilesDerivedFromTheSameMergesGiveIdenticalIds(@TempDir Path dir) throws IOException {
        List<String> merges = HuggingFaceExportWriter.readOpenAiMerges(bpeGz, ClipTokenizer.CLIP_MERGE_COUNT);
        List<String> vocab = HuggingFaceExportWriter.vocabulary(merges);
        Path vocabJson = HuggingFaceExportWriter.writeVocabJson(dir.resolve("vocab.json"), vocab);
        Path mergesTxt = HuggingFaceExportWriter.writeMergesTxt(dir.resolve("merges.txt"), merges);
        Path stringMerges = HuggingFaceExportWriter.writeTokenizerJson(dir.resolve("strings.json"), vocab, merges,
                false);
        Path pairMerges = HuggingFaceExportWriter.writeTokenizerJson(dir.resolve("pairs.json"), vocab, merges, true);

        List<ClipTokenizer> others = List.of(ClipTokenizer.fromVocabAndMerges(vocabJson, mergesTxt),
                ClipTokenizer.fromTokenizerJson(stringMerges), ClipTokenizer.fromTokenizerJson(pairMerges));
        List<String> texts = new ArrayList<>();
        references().forEach(r -> texts.add(r.text()));
        texts.addAll(List.of("Ünïcödé façade — “quoted” ’tis", "ノートパソコン 笔记本电脑 노트북", "👩‍👩‍👧 🏳️‍🌈 ✈️",
                "x".repeat(300), "<|endoftext|> inside <|startoftext|>", "&amp;lt;b&amp;gt; tags"));
        for (ClipTokenizer other : others) {
            assertEquals(tokenizer.vocabSize(), other.vocabSize(), other.toString());
            assertEquals(tokenizer.startOfTextId(), other.startOfTextId(), other.toString());
            assertEquals(tokenizer.endOfTextId(), other.endOfTextId(), other.toString());
            for (String text : texts) {
                assertArrayEquals(tokenizer.encode(text), other.encode(text), other + " on '" + text + "'");
            }
        }
    }

    @Test
    void unicodeRoundTripsThroughDecode() {
        for (String text : List.of("café über naïve", "日本語 テキスト 中文", "😀 😃 👍🏽 👩‍👩‍👧", "a photo of a cat",
                "Ünïcödé FAÇADE")) {
            int[] ids = tokenizer.encode(text);
            assertEquals(text.toLowerCase(java.util.Locale.ROOT), tokenizer.decode(ids), Arrays.toString(ids));
        }
    }

    @Test
    void longTextIsCutKeepingEndOfText() {
        String text = "a photo of a cat ".repeat(40);
        long[][] rows = tokenizer.encodeBatch(List.of(text, "a photo of a cat"), Padding.ZERO);
        assertEquals(ClipTokenizer.DEFAULT_CONTEXT_LENGTH, rows[0].length);
        assertEquals(49406, rows[0][0]);
        assertEquals(49407, rows[0][76]);
        assertEquals(76, tokenizer.endOfTextIndex(rows[0]));
        assertArrayEquals(new long[] {49406, 320, 1125, 539, 320, 2368, 49407, 0}, Arrays.copyOf(rows[1], 8));
        assertArrayEquals(new int[] {76, 6}, tokenizer.endOfTextIndices(rows));
    }
}
