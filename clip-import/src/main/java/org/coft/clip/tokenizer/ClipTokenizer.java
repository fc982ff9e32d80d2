package org.coft.clip.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CLIP's byte-level BPE text tokenizer (Radford et al., "Learning Transferable Visual Models From Natural
 * Language Supervision", 2021), in pure Java.
 *
 * <p>{@link #encode(String)} does what OpenAI's {@code simple_tokenizer.py} does:
 * <ol>
 *   <li>clean the text: Unicode NFC, HTML character references unescaped twice (all numeric references;
 *       the common named ones, see below), every whitespace run collapsed to one space, ends stripped, lower
 *       case;</li>
 *   <li>split it with the pattern {@value #PRE_TOKENIZER_REGEX} (case-insensitive): the two special tokens,
 *       English contractions, letter runs, single digits, runs of other non-space characters;</li>
 *   <li>map each piece's UTF-8 bytes to byte symbols, mark its last symbol with {@code </w>}, and apply the
 *       BPE merges;</li>
 *   <li>frame the ids with {@code <|startoftext|>} and {@code <|endoftext|>}.</li>
 * </ol>
 * A literal {@code <|startoftext|>} or {@code <|endoftext|>} in the text becomes the special id, as in both
 * OpenAI's and Hugging Face's tokenizers.
 *
 * <p><b>Not reimplemented.</b> OpenAI's cleaning starts with {@code ftfy.fix_text}; only its final NFC step
 * is done here. Mojibake repair, straightening of curly quotes ({@code ’} stays {@code ’}), folding of
 * full-width characters and ligatures are not, so texts that need them may get different ids than OpenAI's
 * tokenizer gives (Hugging Face's fast tokenizer does none of them either). Named HTML references are the
 * 252 of HTML 4.01 plus {@code &apos;}; rarer HTML5-only names are left as written, or, where they begin with
 * a legacy name, get that prefix replaced ({@code &timesb;} becomes {@code ×b;}). Character classes follow
 * Java's Unicode tables, which may lag the Python {@code regex} module's for very new characters.
 *
 * <p><b>Batches.</b> {@link #encodeBatch(List, int, Padding)} returns one row of {@code contextLength} ids per
 * text. A text that is too long is cut, and its last id is set to end-of-text (as {@code clip.tokenize(...,
 * truncate=True)} does). Rows are padded per {@link Padding}. Pool a text tower's output at
 * {@link #endOfTextIndex(long[])}, the <em>first</em> end-of-text position, never at the largest id.
 *
 * <p>Instances are immutable and thread-safe; each keeps a bounded cache of merged words.
 */
public final class ClipTokenizer {

    /** Context length of every released CLIP text tower. */
    public static final int DEFAULT_CONTEXT_LENGTH = 77;
    /** Merges that CLIP takes from OpenAI's BPE file: 49152 - 256 - 2 (vocabulary of 49408 ids). */
    public static final int CLIP_MERGE_COUNT = OpenAiBpeFile.CLIP_MERGE_COUNT;
    /** The start-of-text token. */
    public static final String START_OF_TEXT = BpeModel.START_OF_TEXT;
    /** The end-of-text token. */
    public static final String END_OF_TEXT = BpeModel.END_OF_TEXT;
    /** CLIP's pre-tokenizer pattern, applied case-insensitively to the cleaned text. */
    public static final String PRE_TOKENIZER_REGEX =
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

    private static final Logger LOG = LoggerFactory.getLogger(ClipTokenizer.class);
    private static final Pattern PRE_TOKENIZER =
            Pattern.compile(PRE_TOKENIZER_REGEX, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    private final BpeModel model;
    private final String source;

    private ClipTokenizer(BpeModel model, String source) {
        this.model = model;
        this.source = source;
        LOG.debug("CLIP tokenizer from {}: {} ids, {} merge rules", source, model.size(), model.mergeCount());
    }

    /**
     * Loads a Hugging Face export's {@code vocab.json} (token to id) and {@code merges.txt} (an optional
     * {@code #version} header line, then one merge {@code "a b"} per line, in rank order).
     *
     * @throws TokenizerFileException if a file is missing or malformed, or a merge symbol, a merge result,
     *                                a byte symbol or a special token has no id
     */
    public static ClipTokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt) throws TokenizerFileException {
        requireArgument(vocabJson, "vocabJson");
        requireArgument(mergesTxt, "mergesTxt");
        return new ClipTokenizer(HuggingFaceFiles.readVocabAndMerges(vocabJson, mergesTxt),
                vocabJson + " + " + mergesTxt);
    }

    /**
     * Loads a Hugging Face fast-tokenizer file: {@code model.vocab}, {@code model.merges} (as {@code "a b"}
     * strings or {@code ["a", "b"]} pairs) and, for special tokens not in {@code model.vocab},
     * {@code added_tokens}.
     *
     * @throws TokenizerFileException if the file is missing or malformed, or a symbol has no id
     */
    public static ClipTokenizer fromTokenizerJson(Path tokenizerJson) throws TokenizerFileException {
        requireArgument(tokenizerJson, "tokenizerJson");
        return new ClipTokenizer(HuggingFaceFiles.readTokenizerJson(tokenizerJson), tokenizerJson.toString());
    }

    /**
     * Loads OpenAI's {@code bpe_simple_vocab_16e6.txt.gz} with the {@value #CLIP_MERGE_COUNT} merges CLIP uses
     * (all of them if the file has fewer).
     *
     * @throws TokenizerFileException if the file is missing, not gzip, not UTF-8 or has a malformed merge line
     */
    public static ClipTokenizer fromBpeGz(Path bpeGz) throws TokenizerFileException {
        return fromBpeGz(bpeGz, CLIP_MERGE_COUNT);
    }

    /**
     * Loads the first {@code maxMerges} merges of an OpenAI-format BPE file (a header line, then merges
     * {@code "a b"}), giving a vocabulary of {@code 512 + merges + 2} ids: the byte symbols, the byte symbols
     * with {@code </w>}, the merge results, then start- and end-of-text. Small limits derive small vocabularies.
     *
     * @param maxMerges at least 0; the file may hold fewer
     * @throws TokenizerFileException if the file is missing, not gzip, not UTF-8 or has a malformed merge line
     */
    public static ClipTokenizer fromBpeGz(Path bpeGz, int maxMerges) throws TokenizerFileException {
        requireArgument(bpeGz, "bpeGz");
        if (maxMerges < 0) {
            throw new IllegalArgumentException("maxMerges = " + maxMerges + "; expected 0 or more (CLIP uses "
                    + CLIP_MERGE_COUNT + ")");
        }
        return new ClipTokenizer(OpenAiBpeFile.read(bpeGz, maxMerges), bpeGz + " (" + maxMerges + " merges max)");
    }

    /**
     * Loads the tokenizer of a model directory, taking the first of: {@code tokenizer.json};
     * {@code vocab.json} with {@code merges.txt}; a {@code *.txt.gz} BPE file (preferring
     * {@code bpe_simple_vocab_16e6.txt.gz} when there are several).
     *
     * @throws TokenizerFileException if none is present (the message lists what was looked for) or the chosen
     *                                files are malformed
     */
    public static ClipTokenizer fromModelDir(Path dir) throws TokenizerFileException {
        requireArgument(dir, "dir");
        return new ClipTokenizer(ModelDirectory.read(dir), dir.toString());
    }

    private static void requireArgument(Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " is null; expected a value");
        }
    }

    /**
     * Tokenizes one text.
     *
     * @return the ids, starting with {@link #startOfTextId()} and ending with {@link #endOfTextId()}, without
     *         padding or truncation (an empty or all-whitespace text gives just those two)
     */
    public int[] encode(String text) {
        requireArgument(text, "text");
        String cleaned = TextCleaner.clean(text);
        int[] ids = new int[Math.max(8, cleaned.length() + 2)];
        int count = 0;
        ids[count++] = model.startOfTextId();
        Matcher pieces = PRE_TOKENIZER.matcher(cleaned);
        while (pieces.find()) {
            String piece = pieces.group();
            int[] pieceIds;
            if (START_OF_TEXT.equals(piece)) {
                pieceIds = new int[] {model.startOfTextId()};
            } else if (END_OF_TEXT.equals(piece)) {
                pieceIds = new int[] {model.endOfTextId()};
            } else {
                pieceIds = model.encodeWord(piece);
            }
            if (count + pieceIds.length + 1 > ids.length) {
                ids = Arrays.copyOf(ids, Math.max(ids.length * 2, count + pieceIds.length + 1));
            }
            System.arraycopy(pieceIds, 0, ids, count, pieceIds.length);
            count += pieceIds.length;
        }
        ids[count++] = model.endOfTextId();
        return Arrays.copyOf(ids, count);
    }

    /** {@link #encodeBatch(List, int, Padding)} with the {@value #DEFAULT_CONTEXT_LENGTH}-token context of CLIP. */
    public long[][] encodeBatch(List<String> texts, Padding padding) {
        return encodeBatch(texts, DEFAULT_CONTEXT_LENGTH, padding);
    }

    /**
     * Tokenizes texts into fixed-length rows.
     *
     * @param texts         the texts, none null
     * @param contextLength the row length, at least 2
     * @param padding       what fills a row after its end-of-text token
     * @return {@code texts.size()} rows of {@code contextLength} ids; a text with more ids than
     *         {@code contextLength} is cut and its row ends with {@link #endOfTextId()}
     */
    public long[][] encodeBatch(List<String> texts, int contextLength, Padding padding) {
        requireArgument(texts, "texts");
        requireArgument(padding, "padding");
        if (contextLength < 2) {
            throw new IllegalArgumentException("contextLength = " + contextLength
                    + "; expected at least 2 (start and end of text), CLIP uses " + DEFAULT_CONTEXT_LENGTH);
        }
        long pad = padding == Padding.ZERO ? 0L : model.endOfTextId();
        long[][] rows = new long[texts.size()][contextLength];
        for (int i = 0; i < rows.length; i++) {
            String text = texts.get(i);
            if (text == null) {
                throw new IllegalArgumentException("texts[" + i + "] is null; expected a string");
            }
            int[] ids = encode(text);
            int kept = Math.min(ids.length, contextLength);
            for (int j = 0; j < kept; j++) {
                rows[i][j] = ids[j];
            }
            if (ids.length > contextLength) {
                rows[i][contextLength - 1] = model.endOfTextId();
                LOG.debug("texts[{}]: {} ids cut to the context length {}", i, ids.length, contextLength);
            }
            Arrays.fill(rows[i], kept, contextLength, pad);
        }
        return rows;
    }

    /**
     * @param tokenIds rows from {@link #encodeBatch(List, int, Padding)} (either padding)
     * @return per row, 1 up to and including the first end-of-text position and 0 after it
     * @throws IllegalArgumentException if a row has no end-of-text id
     */
    public long[][] attentionMask(long[][] tokenIds) {
        requireArgument(tokenIds, "tokenIds");
        long[][] mask = new long[tokenIds.length][];
        for (int i = 0; i < tokenIds.length; i++) {
            mask[i] = new long[rowOf(tokenIds, i).length];
            Arrays.fill(mask[i], 0, endOfTextIndex(tokenIds[i], i) + 1, 1L);
        }
        return mask;
    }

    /**
     * @return the position of the first end-of-text id in every row; where a text tower pools
     * @throws IllegalArgumentException if a row has no end-of-text id
     */
    public int[] endOfTextIndices(long[][] tokenIds) {
        requireArgument(tokenIds, "tokenIds");
        int[] indices = new int[tokenIds.length];
        for (int i = 0; i < tokenIds.length; i++) {
            indices[i] = endOfTextIndex(rowOf(tokenIds, i), i);
        }
        return indices;
    }

    /**
     * @return the position of the first end-of-text id in {@code row}
     * @throws IllegalArgumentException if there is none
     */
    public int endOfTextIndex(long[] row) {
        requireArgument(row, "row");
        return endOfTextIndex(row, -1);
    }

    /**
     * @return the position of the first end-of-text id in {@code ids} (e.g. from {@link #encode(String)})
     * @throws IllegalArgumentException if there is none
     */
    public int endOfTextIndex(int[] ids) {
        requireArgument(ids, "ids");
        return endOfTextIndex(Arrays.stream(ids).asLongStream().toArray(), -1);
    }

    private static long[] rowOf(long[][] rows, int i) {
        if (rows[i] == null) {
            throw new IllegalArgumentException("tokenIds[" + i + "] is null; expected a row of ids");
        }
        return rows[i];
    }

    private int endOfTextIndex(long[] row, int rowIndex) {
        for (int j = 0; j < row.length; j++) {
            if (row[j] == model.endOfTextId()) {
                return j;
            }
        }
        String which = rowIndex < 0 ? "row" : "tokenIds[" + rowIndex + "]";
        throw new IllegalArgumentException(which + " has no end-of-text id " + model.endOfTextId()
                + "; expected a row produced by this tokenizer");
    }

    /**
     * Turns ids back into text: start-of-text ids are skipped, decoding stops at the first end-of-text id
     * (so padded rows of either convention decode to their text), {@code </w>} becomes a space between
     * words, and byte sequences that are not valid UTF-8 become U+FFFD. The result is the cleaned text
     * (lower case) with a space between pre-tokenizer pieces, e.g. {@code "hello , world !"}.
     *
     * @throws IllegalArgumentException if an id is outside {@code 0..vocabSize()-1}
     */
    public String decode(int[] ids) {
        requireArgument(ids, "ids");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int k = 0; k < ids.length; k++) {
            int id = ids[k];
            if (id < 0 || id >= model.size()) {
                throw new IllegalArgumentException("ids[" + k + "] = " + id + "; expected an id in 0.."
                        + (model.size() - 1));
            }
            if (id == model.startOfTextId()) {
                continue;
            }
            if (id == model.endOfTextId()) {
                break;
            }
            appendTokenBytes(model.token(id), bytes);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        return text.endsWith(" ") ? text.substring(0, text.length() - 1) : text;
    }

    /** {@link #decode(int[])} for a row of {@link #encodeBatch(List, int, Padding)}. */
    public String decode(long[] ids) {
        requireArgument(ids, "ids");
        int[] narrowed = new int[ids.length];
        for (int k = 0; k < ids.length; k++) {
            if (ids[k] < 0 || ids[k] >= model.size()) {
                throw new IllegalArgumentException("ids[" + k + "] = " + ids[k] + "; expected an id in 0.."
                        + (model.size() - 1));
            }
            narrowed[k] = (int) ids[k];
        }
        return decode(narrowed);
    }

    /** Appends the bytes a token stands for; a trailing {@code </w>} becomes a space. */
    private static void appendTokenBytes(String token, ByteArrayOutputStream out) {
        boolean endOfWord = token.endsWith(BpeModel.END_OF_WORD);
        int end = endOfWord ? token.length() - BpeModel.END_OF_WORD.length() : token.length();
        for (int i = 0; i < end; i++) {
            int b = ByteSymbols.byteOf(token.charAt(i));
            if (b >= 0) {
                out.write(b);
            } else {
                // Not a byte symbol (only in hand-made vocabularies): keep the character itself.
                int cp = token.codePointAt(i);
                out.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp) - 1;
            }
        }
        if (endOfWord) {
            out.write(' ');
        }
    }

    /** @return the id of {@value #START_OF_TEXT} */
    public int startOfTextId() {
        return model.startOfTextId();
    }

    /** @return the id of {@value #END_OF_TEXT} */
    public int endOfTextId() {
        return model.endOfTextId();
    }

    /** @return the number of ids (49408 for CLIP's vocabulary) */
    public int vocabSize() {
        return model.size();
    }

    @Override
    public String toString() {
        return "ClipTokenizer[vocabSize=" + model.size() + ", merges=" + model.mergeCount() + ", source="
                + source + "]";
    }
}
