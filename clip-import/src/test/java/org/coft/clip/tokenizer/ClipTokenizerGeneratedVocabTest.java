package org.coft.clip.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer on a tiny vocabulary generated here, so it runs without shared data. Expected ids are worked
 * out by hand from the vocabulary layout:
 * <ul>
 *   <li>printable ASCII {@code c} has id {@code c - 33}, and {@code c - 33 + 256} with {@code </w>}
 *       ({@code h}=71, {@code e}=68, {@code l}=75, {@code l</w>}=331, {@code o</w>}=334, {@code ,</w>}=267,
 *       {@code !</w>}=256);</li>
 *   <li>the merges below get ids 512..517 in order; start-of-text is 518, end-of-text 519.</li>
 * </ul>
 */
class ClipTokenizerGeneratedVocabTest {

    /** ids 512 he, 513 ll, 514 hell, 515 hello</w>, 516 ca, 517 cat</w>. */
    private static final List<String> MERGES = List.of("h e", "l l", "he ll", "hell o</w>", "c a", "ca t</w>");
    private static final int SOT = 518;
    private static final int EOT = 519;

    @TempDir
    static Path dir;
    private static Path gz;
    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void generate() throws IOException {
        gz = HuggingFaceExportWriter.writeOpenAiGz(dir.resolve("tiny.txt.gz"), MERGES);
        tokenizer = ClipTokenizer.fromBpeGz(gz);
    }

    private static int[] ids(int... inner) {
        int[] framed = new int[inner.length + 2];
        framed[0] = SOT;
        System.arraycopy(inner, 0, framed, 1, inner.length);
        framed[framed.length - 1] = EOT;
        return framed;
    }

    @Test
    void vocabularyLayout() {
        assertEquals(520, tokenizer.vocabSize());
        assertEquals(SOT, tokenizer.startOfTextId());
        assertEquals(EOT, tokenizer.endOfTextId());
    }

    @Test
    void exactIdsWorkedOutByHand() {
        assertArrayEquals(ids(515), tokenizer.encode("hello"));
        assertArrayEquals(ids(515, 267, 517, 256), tokenizer.encode("  Hello,   CAT! "));
        // "he ll" needs both halves; the final "l" carries </w> so "l l" cannot merge it.
        assertArrayEquals(ids(512, 75, 331), tokenizer.encode("hell"));
        assertArrayEquals(ids(83, 68, 75, 331), tokenizer.encode("tell"));
        // Occurrences merge left to right without overlap: l l l l</w> -> ll l l</w>.
        assertArrayEquals(ids(513, 75, 331), tokenizer.encode("llll"));
        assertArrayEquals(ids(513, 331), tokenizer.encode("lll"));
        // Contractions and single digits are pieces of their own.
        assertArrayEquals(ids(72, 339, 6, 338), tokenizer.encode("it's"));
        assertArrayEquals(ids(275, 273), tokenizer.encode("42"));
        // HTML unescaped twice: "&amp;lt;" -> "&lt;" -> "<".
        assertArrayEquals(ids(283, 517, 285), tokenizer.encode("&amp;lt;cat&gt;"));
        assertArrayEquals(ids(), tokenizer.encode(""));
        assertArrayEquals(ids(), tokenizer.encode(" \t\n\u00a0"));
    }

    @Test
    void bytesOutsideAsciiUseTheRemappedAlphabet() {
        // U+00E9 = C3 A9: 0xC3 is printable, vocabulary position 94 + 12 + (0xC3 - 0xAE) = 127; 0xA9 is
        // position 94 + (0xA9 - 0xA1) = 102, so 358 with </w>. NFC makes "e" + U+0301 the same.
        assertArrayEquals(ids(127, 358), tokenizer.encode("\u00e9"));
        assertArrayEquals(ids(127, 358), tokenizer.encode("e\u0301"));
        // U+1F600 = F0 9F 98 80: 0xF0 at 172; 0x9F, 0x98, 0x80 are remapped bytes 65, 58, 34 -> 188 + n.
        assertArrayEquals(ids(172, 253, 246, 222 + 256), tokenizer.encode("\ud83d\ude00"));
    }

    @Test
    void literalSpecialTokensBecomeSpecialIds() {
        assertArrayEquals(ids(515, EOT, SOT, 517), tokenizer.encode("hello<|endoftext|> <|STARTOFTEXT|>cat"));
    }

    @Test
    void mergeLimitDerivesASmallerVocabulary() throws IOException {
        ClipTokenizer limited = ClipTokenizer.fromBpeGz(gz, 3);
        assertEquals(512 + 3 + 2, limited.vocabSize());
        assertEquals(515, limited.startOfTextId());
        assertArrayEquals(new int[] {515, 514, 334, 516}, limited.encode("hello"));
        assertEquals(514, ClipTokenizer.fromBpeGz(gz, 0).vocabSize());
    }

    @Test
    void batchPaddingConventions() {
        List<String> texts = List.of("hello", "Hello, CAT!");
        long[][] zero = tokenizer.encodeBatch(texts, 8, Padding.ZERO);
        assertArrayEquals(new long[] {SOT, 515, EOT, 0, 0, 0, 0, 0}, zero[0]);
        assertArrayEquals(new long[] {SOT, 515, 267, 517, 256, EOT, 0, 0}, zero[1]);
        long[][] end = tokenizer.encodeBatch(texts, 8, Padding.END_OF_TEXT);
        assertArrayEquals(new long[] {SOT, 515, EOT, EOT, EOT, EOT, EOT, EOT}, end[0]);
        assertArrayEquals(new long[] {SOT, 515, 267, 517, 256, EOT, EOT, EOT}, end[1]);

        long[][] expectedMask = {{1, 1, 1, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1, 0, 0}};
        assertArrayEquals(expectedMask, tokenizer.attentionMask(zero));
        assertArrayEquals(expectedMask, tokenizer.attentionMask(end));
        assertArrayEquals(new int[] {2, 5}, tokenizer.endOfTextIndices(zero));
        assertArrayEquals(new int[] {2, 5}, tokenizer.endOfTextIndices(end));
        assertEquals(2, tokenizer.endOfTextIndex(tokenizer.encode("hello")));
        assertEquals(77, tokenizer.encodeBatch(texts, Padding.ZERO)[0].length);
    }

    @Test
    void truncationKeepsEndOfTextLast() {
        long[][] cut = tokenizer.encodeBatch(List.of("Hello, CAT!"), 4, Padding.END_OF_TEXT);
        assertArrayEquals(new long[] {SOT, 515, 267, EOT}, cut[0]);
        assertEquals(3, tokenizer.endOfTextIndex(cut[0]));
        long[][] exact = tokenizer.encodeBatch(List.of("Hello, CAT!"), 6, Padding.ZERO);
        assertArrayEquals(new long[] {SOT, 515, 267, 517, 256, EOT}, exact[0]);
        long[][] minimal = tokenizer.encodeBatch(List.of("hello cat"), 2, Padding.ZERO);
        assertArrayEquals(new long[] {SOT, EOT}, minimal[0]);
    }

    @Test
    void decodeRoundTrip() {
        assertEquals("hello , cat !", tokenizer.decode(tokenizer.encode("Hello, CAT!")));
        assertEquals("hello cat", tokenizer.decode(tokenizer.encode("hello cat")));
        for (Padding padding : Padding.values()) {
            long[] row = tokenizer.encodeBatch(List.of("hello cat"), 10, padding)[0];
            assertEquals("hello cat", tokenizer.decode(row), padding.name());
        }
        assertEquals("", tokenizer.decode(new int[0]));
    }

    @Test
    void unicodeDoesNotCrashAndRoundTrips() {
        for (String text : List.of("Café Über naïve", "日本語 中文 한국어", "😀 👍🏽 👩‍👩‍👧 🏳️‍🌈", "Ωμέγα ДОБРО",
                "e\u0301t\u00e9")) {
            String expected = java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC)
                    .toLowerCase(Locale.ROOT);
            assertEquals(expected, tokenizer.decode(tokenizer.encode(text)), text);
        }
        // Combining marks are pieces of their own, so decoding inserts spaces; the bytes survive.
        String thai = "ภาษาไทย हिन्दी";
        assertEquals(thai.replace(" ", ""), tokenizer.decode(tokenizer.encode(thai)).replace(" ", ""));
        // An unpaired surrogate cannot be UTF-8 encoded; it becomes U+FFFD (a piece of its own), not an error.
        assertEquals("a \ufffd b", tokenizer.decode(tokenizer.encode("a\ud800b")));
    }

    @Test
    void huggingFaceFormatsGiveTheSameIds() throws IOException {
        List<String> vocab = HuggingFaceExportWriter.vocabulary(MERGES);
        Path vocabJson = HuggingFaceExportWriter.writeVocabJson(dir.resolve("vocab.json"), vocab);
        Path mergesTxt = HuggingFaceExportWriter.writeMergesTxt(dir.resolve("merges.txt"), MERGES);
        Path pairs = HuggingFaceExportWriter.writeTokenizerJson(dir.resolve("pairs.json"), vocab, MERGES, true);
        Path strings = HuggingFaceExportWriter.writeTokenizerJson(dir.resolve("strings.json"), vocab, MERGES,
                false);
        for (ClipTokenizer other : List.of(ClipTokenizer.fromVocabAndMerges(vocabJson, mergesTxt),
                ClipTokenizer.fromTokenizerJson(pairs), ClipTokenizer.fromTokenizerJson(strings))) {
            assertEquals(520, other.vocabSize());
            for (String text : List.of("Hello, CAT!", "llll tell", "😀 café")) {
                assertArrayEquals(tokenizer.encode(text), other.encode(text), other + " on " + text);
            }
        }
    }

    @Test
    void modelDirPicksTheAvailableFormat(@TempDir Path modelDir) throws IOException {
        TokenizerFileException none = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromModelDir(modelDir));
        for (String lookedFor : List.of("tokenizer.json", "vocab.json", "merges.txt", "*.txt.gz")) {
            assertTrue(none.getMessage().contains(lookedFor), none.getMessage());
        }
        assertTrue(none.getMessage().contains(modelDir.toString()), none.getMessage());

        List<String> vocab = HuggingFaceExportWriter.vocabulary(MERGES);
        HuggingFaceExportWriter.writeVocabJson(modelDir.resolve("vocab.json"), vocab);
        TokenizerFileException half = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromModelDir(modelDir));
        assertTrue(half.getMessage().contains("vocab.json without merges.txt"), half.getMessage());

        HuggingFaceExportWriter.writeOpenAiGz(modelDir.resolve("bpe_simple_vocab_16e6.txt.gz"), MERGES);
        assertArrayEquals(ids(515), ClipTokenizer.fromModelDir(modelDir).encode("hello"));
        HuggingFaceExportWriter.writeMergesTxt(modelDir.resolve("merges.txt"), MERGES);
        assertArrayEquals(ids(515), ClipTokenizer.fromModelDir(modelDir).encode("hello"));
        HuggingFaceExportWriter.writeTokenizerJson(modelDir.resolve("tokenizer.json"), vocab, MERGES, true);
        assertArrayEquals(ids(515), ClipTokenizer.fromModelDir(modelDir).encode("hello"));
    }

    @Test
    void concurrentUseGivesTheSameIds() {
        List<String> texts = IntStream.range(0, 2000).mapToObj(i -> "hello cat " + i + " tell llll " + (i % 7))
                .collect(Collectors.toList());
        ClipTokenizer fresh = assertDoesNotFail();
        List<int[]> parallel = texts.parallelStream().map(fresh::encode).collect(Collectors.toList());
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(tokenizer.encode(texts.get(i)), parallel.get(i), texts.get(i));
        }
    }

    private static ClipTokenizer assertDoesNotFail() {
        try {
            return ClipTokenizer.fromBpeGz(gz);
        } catch (TokenizerFileException e) {
            throw new AssertionError(e);
        }
    }

    // ---- errors ---------------------------------------------------------------------------------------------

    @Test
    void missingFilesAreNamed() {
        Path missing = dir.resolve("missing.txt.gz");
        TokenizerFileException gzError = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromBpeGz(missing));
        assertTrue(gzError.getMessage().startsWith(missing.toString()) && gzError.getMessage().contains("not found"),
                gzError.getMessage());
        assertEquals(missing, gzError.file());
        Path noVocab = dir.resolve("no-vocab.json");
        TokenizerFileException vocabError = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromVocabAndMerges(noVocab, dir.resolve("merges.txt")));
        assertTrue(vocabError.getMessage().contains(noVocab.toString()), vocabError.getMessage());
        Path noJson = dir.resolve("no-tokenizer.json");
        TokenizerFileException jsonError = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromTokenizerJson(noJson));
        assertTrue(jsonError.getMessage().contains(noJson.toString()), jsonError.getMessage());
    }

    @Test
    void malformedMergeLinesNameFileAndLine(@TempDir Path bad) throws IOException {
        Path vocabJson = HuggingFaceExportWriter.writeVocabJson(bad.resolve("vocab.json"),
                HuggingFaceExportWriter.vocabulary(MERGES));
        Path mergesTxt = bad.resolve("merges.txt");
        Files.writeString(mergesTxt, "#version: 0.2\nh e\nl l x\n", StandardCharsets.UTF_8);
        TokenizerFileException txt = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromVocabAndMerges(vocabJson, mergesTxt));
        assertTrue(txt.getMessage().startsWith(mergesTxt + ": line 3:") && txt.getMessage().contains("'l l x'"),
                txt.getMessage());

        Path gzBad = HuggingFaceExportWriter.writeOpenAiGz(bad.resolve("bad.txt.gz"), List.of("h e", "hx"));
        TokenizerFileException gzError = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromBpeGz(gzBad));
        assertTrue(gzError.getMessage().startsWith(gzBad + ": line 3:"), gzError.getMessage());

        Path notGz = Files.writeString(bad.resolve("plain.txt.gz"), "h e\n");
        TokenizerFileException plain = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromBpeGz(notGz));
        assertTrue(plain.getMessage().startsWith(notGz.toString()), plain.getMessage());

        Path json = bad.resolve("tokenizer.json");
        Files.writeString(json, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0},\n \"merges\": [\"a b\", 5]}}");
        TokenizerFileException jsonError = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromTokenizerJson(json));
        assertTrue(jsonError.getMessage().contains("model.merges[1]"), jsonError.getMessage());

        Files.writeString(json, "{\"model\": {\n \"vocab\": {\"a\": 0,,}}}");
        TokenizerFileException syntax = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromTokenizerJson(json));
        assertTrue(syntax.getMessage().startsWith(json + ": line 2"), syntax.getMessage());
    }

    @Test
    void vocabularyMissingAMergeResultIsNamed(@TempDir Path bad) throws IOException {
        List<String> vocab = new ArrayList<>(HuggingFaceExportWriter.vocabulary(MERGES));
        vocab.remove("hello</w>");
        Path vocabJson = HuggingFaceExportWriter.writeVocabJson(bad.resolve("vocab.json"), vocab);
        Path mergesTxt = HuggingFaceExportWriter.writeMergesTxt(bad.resolve("merges.txt"), MERGES);
        TokenizerFileException e = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromVocabAndMerges(vocabJson, mergesTxt));
        // "hell o</w>" is the fourth merge, on line 5 after the #version header.
        assertTrue(e.getMessage().startsWith(mergesTxt + ": line 5:") && e.getMessage().contains("'hello</w>'")
                && e.getMessage().contains("vocab.json"), e.getMessage());
    }

    @Test
    void vocabularyMissingSpecialTokensIsNamed(@TempDir Path bad) throws IOException {
        for (String special : List.of("<|startoftext|>", "<|endoftext|>")) {
            List<String> vocab = new ArrayList<>(HuggingFaceExportWriter.vocabulary(MERGES));
            vocab.remove(special);
            Path vocabJson = HuggingFaceExportWriter.writeVocabJson(bad.resolve("vocab.json"), vocab);
            Path mergesTxt = HuggingFaceExportWriter.writeMergesTxt(bad.resolve("merges.txt"), MERGES);
            TokenizerFileException e = assertThrows(TokenizerFileException.class,
                    () -> ClipTokenizer.fromVocabAndMerges(vocabJson, mergesTxt));
            assertTrue(e.getMessage().startsWith(vocabJson.toString()) && e.getMessage().contains("'" + special + "'"),
                    e.getMessage());
        }
    }

    @Test
    void vocabularyWithGapsOrSharedIdsIsRejected(@TempDir Path bad) throws IOException {
        Path mergesTxt = HuggingFaceExportWriter.writeMergesTxt(bad.resolve("merges.txt"), MERGES);
        Path gap = Files.writeString(bad.resolve("gap.json"), "{\"a\": 0, \"b\": 2}");
        TokenizerFileException gapError = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromVocabAndMerges(gap, mergesTxt));
        assertTrue(gapError.getMessage().contains("'b' has id 2; expected ids 0..1"), gapError.getMessage());
        Path text = Files.writeString(bad.resolve("text.json"), "{\"a\": \"zero\"}");
        TokenizerFileException textError = assertThrows(TokenizerFileException.class,
                () -> ClipTokenizer.fromVocabAndMerges(text, mergesTxt));
        assertTrue(textError.getMessage().contains("token 'a'"), textError.getMessage());
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException context = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.encodeBatch(List.of("x"), 1, Padding.ZERO));
        assertTrue(context.getMessage().contains("contextLength = 1"), context.getMessage());
        IllegalArgumentException id = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.decode(new int[] {SOT, 520}));
        assertTrue(id.getMessage().contains("ids[1] = 520") && id.getMessage().contains("0..519"), id.getMessage());
        IllegalArgumentException merges = assertThrows(IllegalArgumentException.class,
                () -> ClipTokenizer.fromBpeGz(gz, -1));
        assertTrue(merges.getMessage().contains("maxMerges = -1"), merges.getMessage());
        IllegalArgumentException nullText = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.encodeBatch(java.util.Arrays.asList("a", null), Padding.ZERO));
        assertTrue(nullText.getMessage().contains("texts[1]"), nullText.getMessage());
        IllegalArgumentException noEnd = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.attentionMask(new long[][] {{SOT, 1, 2}}));
        assertTrue(noEnd.getMessage().contains("tokenIds[0]"), noEnd.getMessage());
    }
}
