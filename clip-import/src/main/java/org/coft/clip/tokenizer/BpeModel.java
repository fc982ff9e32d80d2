package org.coft.clip.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A resolved byte-level BPE vocabulary: token strings by id, the ids of the 256 byte symbols with and
 * without the end-of-word marker, the merge table and the two special tokens; plus the merge algorithm and
 * a bounded per-instance cache of merged words.
 *
 * <p>Merging works as CLIP's reference does: the word's UTF-8 bytes become byte symbols, the last one
 * carrying {@code </w>}; then, repeatedly, the adjacent pair with the lowest rank is found and every
 * non-overlapping occurrence of it is merged, scanning left to right, until no adjacent pair has a rule.
 */
final class BpeModel {

    static final String END_OF_WORD = "</w>";
    static final String START_OF_TEXT = "<|startoftext|>";
    static final String END_OF_TEXT = "<|endoftext|>";

    private static final Logger LOG = LoggerFactory.getLogger(BpeModel.class);
    /** Cached words per instance; the cache is emptied when it reaches this size. */
    private static final int CACHE_LIMIT = 65_536;

    private final String[] tokens;
    private final int[] byteIds;
    private final int[] byteEndIds;
    private final MergeTable merges;
    private final int startOfTextId;
    private final int endOfTextId;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    private BpeModel(String[] tokens, int[] byteIds, int[] byteEndIds, MergeTable merges, int startOfTextId,
            int endOfTextId) {
        this.tokens = tokens;
        this.byteIds = byteIds;
        this.byteEndIds = byteEndIds;
        this.merges = merges;
        this.startOfTextId = startOfTextId;
        this.endOfTextId = endOfTextId;
    }

    /**
     * Resolves a vocabulary and its merge rules to ids.
     *
     * @param tokens      token string of every id (the array is kept; the caller must not change it)
     * @param encoder     id of every token string; where a string occurs twice in {@code tokens}, the id used
     * @param rules       merge rules in rank order
     * @param strict      true: a rule whose symbols or result are not in the vocabulary is an error (Hugging
     *                    Face files); false: such a rule is skipped, it can never apply (OpenAI file, whose
     *                    vocabulary is derived from the rules themselves)
     * @param vocabFile   file named in errors about the vocabulary
     * @param mergesFile  file named in errors about merge rules
     * @throws TokenizerFileException if a byte symbol, a special token or (strict) a merge symbol is missing
     */
    static BpeModel resolve(String[] tokens, Map<String, Integer> encoder, List<MergeRule> rules, boolean strict,
            Path vocabFile, Path mergesFile) throws TokenizerFileException {
        int[] byteIds = new int[ByteSymbols.COUNT];
        int[] byteEndIds = new int[ByteSymbols.COUNT];
        for (int b = 0; b < ByteSymbols.COUNT; b++) {
            String symbol = String.valueOf(ByteSymbols.symbolOf(b));
            byteIds[b] = requireToken(encoder, symbol, vocabFile, b);
            byteEndIds[b] = requireToken(encoder, symbol + END_OF_WORD, vocabFile, b);
        }
        int startId = requireSpecial(encoder, START_OF_TEXT, vocabFile);
        int endId = requireSpecial(encoder, END_OF_TEXT, vocabFile);

        int n = rules.size();
        int[] left = new int[n];
        int[] right = new int[n];
        int[] result = new int[n];
        int skipped = 0;
        for (int rank = 0; rank < n; rank++) {
            MergeRule rule = rules.get(rank);
            String merged = rule.left() + rule.right();
            left[rank] = idOrMissing(encoder, rule.left(), rule, "left symbol", strict, mergesFile, vocabFile);
            right[rank] = idOrMissing(encoder, rule.right(), rule, "right symbol", strict, mergesFile, vocabFile);
            result[rank] = idOrMissing(encoder, merged, rule, "merge result", strict, mergesFile, vocabFile);
            if (left[rank] < 0 || right[rank] < 0 || result[rank] < 0) {
                skipped++;
            }
        }
        if (skipped > 0) {
            LOG.debug("{}: {} of {} merge rules name symbols outside the vocabulary and can never apply",
                    mergesFile, skipped, n);
        }
        return new BpeModel(tokens, byteIds, byteEndIds, new MergeTable(left, right, result), startId, endId);
    }

    private static int requireToken(Map<String, Integer> encoder, String token, Path vocabFile, int b)
            throws TokenizerFileException {
        Integer id = encoder.get(token);
        if (id == null) {
            throw new TokenizerFileException(vocabFile, String.format(
                    "no entry for byte symbol '%s' (byte 0x%02X); a CLIP vocabulary has all 256 byte symbols,"
                            + " each also with '%s' appended", token, b, END_OF_WORD));
        }
        return id;
    }

    private static int requireSpecial(Map<String, Integer> encoder, String token, Path vocabFile)
            throws TokenizerFileException {
        Integer id = encoder.get(token);
        if (id == null) {
            throw new TokenizerFileException(vocabFile, "no entry for special token '" + token
                    + "'; a CLIP vocabulary needs both '" + START_OF_TEXT + "' and '" + END_OF_TEXT + "'");
        }
        return id;
    }

    private static int idOrMissing(Map<String, Integer> encoder, String token, MergeRule rule, String role,
            boolean strict, Path mergesFile, Path vocabFile) throws TokenizerFileException {
        Integer id = encoder.get(token);
        if (id != null) {
            return id;
        }
        if (strict) {
            throw new TokenizerFileException(mergesFile, rule.location() + ": " + role + " '" + token
                    + "' of merge '" + rule.left() + " " + rule.right() + "' is not in the vocabulary "
                    + vocabFile.getFileName() + "; every merge symbol and result must have an id");
        }
        return -1;
    }

    /** @return the ids of {@code word} (a pre-token, not yet byte-mapped) after BPE; never modify the array */
    int[] encodeWord(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        int[] ids = merge(word);
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(word, ids);
        return ids;
    }

    private int[] merge(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        int length = bytes.length;
        int[] symbols = new int[length];
        for (int i = 0; i < length - 1; i++) {
            symbols[i] = byteIds[bytes[i] & 0xFF];
        }
        symbols[length - 1] = byteEndIds[bytes[length - 1] & 0xFF];
        while (length > 1) {
            int bestRank = Integer.MAX_VALUE;
            int bestSlot = -1;
            int bestLeft = 0;
            int bestRight = 0;
            for (int i = 0; i < length - 1; i++) {
                int slot = merges.find(symbols[i], symbols[i + 1]);
                if (slot >= 0 && merges.rankAt(slot) < bestRank) {
                    bestRank = merges.rankAt(slot);
                    bestSlot = slot;
                    bestLeft = symbols[i];
                    bestRight = symbols[i + 1];
                }
            }
            if (bestSlot < 0) {
                break;
            }
            length = mergeAll(symbols, length, bestLeft, bestRight, merges.resultAt(bestSlot));
        }
        return Arrays.copyOf(symbols, length);
    }

    /** Replaces every non-overlapping occurrence of (left, right), scanning left to right, in place. */
    private static int mergeAll(int[] symbols, int length, int left, int right, int merged) {
        int written = 0;
        int i = 0;
        while (i < length) {
            if (i < length - 1 && symbols[i] == left && symbols[i + 1] == right) {
                symbols[written++] = merged;
                i += 2;
            } else {
                symbols[written++] = symbols[i++];
            }
        }
        return written;
    }

    /** @return the token string of {@code id} */
    String token(int id) {
        return tokens[id];
    }

    int size() {
        return tokens.length;
    }

    int mergeCount() {
        return merges.size();
    }

    int startOfTextId() {
        return startOfTextId;
    }

    int endOfTextId() {
        return endOfTextId;
    }
}
