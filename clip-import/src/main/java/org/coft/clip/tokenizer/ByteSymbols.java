package org.coft.clip.tokenizer;

/**
 * The byte-level alphabet of GPT-2 style BPE ("bytes_to_unicode"): every byte value gets one printable
 * character so that merges can be written as text.
 *
 * <p>The 188 bytes that are printable Latin-1 characters ({@code '!'..'~'}, {@code '¡'..'¬'},
 * {@code '®'..'ÿ'}) map to themselves; the remaining 68 bytes (controls, space, {@code 0x7F..0xA0},
 * soft hyphen) map to {@code U+0100}, {@code U+0101}, ... in ascending byte order. The <em>vocabulary
 * order</em> lists the printable bytes first (ascending) and then the remapped ones (ascending); it is the
 * order of the first 256 ids of a CLIP vocabulary (and, with {@code </w>} appended, of ids 256..511).
 */
final class ByteSymbols {

    /** Number of byte symbols. */
    static final int COUNT = 256;

    private static final char[] BYTE_TO_SYMBOL = new char[COUNT];
    private static final int[] VOCAB_ORDER = new int[COUNT];
    /** Indexed by symbol character; -1 where the character is not a byte symbol. */
    private static final int[] SYMBOL_TO_BYTE = new int[0x200];

    static {
        java.util.Arrays.fill(SYMBOL_TO_BYTE, -1);
        int position = 0;
        for (int b = 0; b < COUNT; b++) {
            if (isPrintable(b)) {
                BYTE_TO_SYMBOL[b] = (char) b;
                VOCAB_ORDER[position++] = b;
            }
        }
        int remapped = 0;
        for (int b = 0; b < COUNT; b++) {
            if (!isPrintable(b)) {
                BYTE_TO_SYMBOL[b] = (char) (COUNT + remapped++);
                VOCAB_ORDER[position++] = b;
            }
        }
        for (int b = 0; b < COUNT; b++) {
            SYMBOL_TO_BYTE[BYTE_TO_SYMBOL[b]] = b;
        }
    }

    private ByteSymbols() {
    }

    private static boolean isPrintable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** @return the symbol character of byte {@code b} (0..255) */
    static char symbolOf(int b) {
        return BYTE_TO_SYMBOL[b];
    }

    /** @return the byte (0..255) that symbol character {@code c} stands for, or -1 if it is not a byte symbol */
    static int byteOf(char c) {
        return c < SYMBOL_TO_BYTE.length ? SYMBOL_TO_BYTE[c] : -1;
    }

    /** @return the byte value at vocabulary position {@code position} (0..255) */
    static int byteAtVocabPosition(int position) {
        return VOCAB_ORDER[position];
    }

    /** @return the vocabulary symbol strings in vocabulary order: 256 single characters */
    static String[] symbolsInVocabOrder() {
        String[] symbols = new String[COUNT];
        for (int i = 0; i < COUNT; i++) {
            symbols[i] = String.valueOf(BYTE_TO_SYMBOL[VOCAB_ORDER[i]]);
        }
        return symbols;
    }
}
