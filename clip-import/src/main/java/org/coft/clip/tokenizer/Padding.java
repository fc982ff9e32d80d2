package org.coft.clip.tokenizer;

/**
 * How {@link ClipTokenizer#encodeBatch(java.util.List, int, Padding)} fills the positions after a text's
 * end-of-text token.
 *
 * <p>Both conventions produce the same ids up to and including the first end-of-text token, and a text
 * tower must pool at that <em>first</em> end-of-text position (see {@link ClipTokenizer#endOfTextIndex(long[])}).
 * With {@link #ZERO} the padding id 0 is also the id of the symbol {@code "!"}, and with
 * {@link #END_OF_TEXT} it is the end-of-text id itself, so padding can only be told apart from real tokens
 * by its position after the first end-of-text token ({@link ClipTokenizer#attentionMask(long[][])}).
 */
public enum Padding {
    /** Pad with id 0, as OpenAI CLIP ({@code clip.tokenize}) and open_clip do. */
    ZERO,
    /** Pad with the end-of-text id (49407 for the standard vocabulary), as Hugging Face's CLIPTokenizer does. */
    END_OF_TEXT
}
