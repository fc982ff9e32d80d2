/**
 * The CLIP text tokenizer: byte-level BPE with an end-of-word marker, in pure Java.
 *
 * <p>What lives here: {@link org.coft.clip.tokenizer.ClipTokenizer} (the one public entry point, immutable and
 * thread-safe), its {@link org.coft.clip.tokenizer.Padding} conventions, the checked
 * {@link org.coft.clip.tokenizer.TokenizerFileException} for missing or malformed vocabulary files, and the
 * package-private pieces it is made of: text cleaning (HTML entities, whitespace, case), the byte-to-symbol
 * table, the BPE merge table and the readers of the OpenAI ({@code bpe_simple_vocab_16e6.txt.gz}) and
 * Hugging Face ({@code vocab.json} + {@code merges.txt}, {@code tokenizer.json}) vocabulary files.
 *
 * <p>What may not live here: anything that needs ND4J, a model graph or a text tower. Token ids leave this
 * package as plain {@code int[]} / {@code long[][]} arrays; wrapping them in tensors is the caller's job.
 */
package org.coft.clip.tokenizer;
