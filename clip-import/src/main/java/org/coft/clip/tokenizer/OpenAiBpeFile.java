package org.coft.clip.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads OpenAI's gzip-compressed merges file ({@code bpe_simple_vocab_16e6.txt.gz}) and derives the CLIP
 * vocabulary from it as OpenAI's {@code simple_tokenizer.py} does: the first line is a header and is skipped;
 * the next {@code maxMerges} lines are merges {@code "a b"}; the ids are the 256 byte symbols in vocabulary
 * order, the same 256 with {@code </w>}, one id per merge result in merge order, then {@code <|startoftext|>}
 * and {@code <|endoftext|>}.
 */
final class OpenAiBpeFile {

    /** Merges CLIP uses from the standard file: 49152 - 256 - 2. */
    static final int CLIP_MERGE_COUNT = 48_894;

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiBpeFile.class);

    private OpenAiBpeFile() {
    }

    /**
     * @param file      the {@code .txt.gz} file
     * @param maxMerges how many merges to read at most (fewer if the file has fewer)
     */
    static BpeModel read(Path file, int maxMerges) throws TokenizerFileException {
        if (!Files.isRegularFile(file)) {
            throw new TokenizerFileException(file, "file not found; expected OpenAI's gzip-compressed BPE merges"
                    + " file (bpe_simple_vocab_16e6.txt.gz)");
        }
        List<MergeRule> rules = readRules(file, maxMerges);
        String[] tokens = new String[2 * ByteSymbols.COUNT + rules.size() + 2];
        String[] symbols = ByteSymbols.symbolsInVocabOrder();
        for (int i = 0; i < ByteSymbols.COUNT; i++) {
            tokens[i] = symbols[i];
            tokens[ByteSymbols.COUNT + i] = symbols[i] + BpeModel.END_OF_WORD;
        }
        for (int i = 0; i < rules.size(); i++) {
            tokens[2 * ByteSymbols.COUNT + i] = rules.get(i).left() + rules.get(i).right();
        }
        tokens[tokens.length - 2] = BpeModel.START_OF_TEXT;
        tokens[tokens.length - 1] = BpeModel.END_OF_TEXT;
        Map<String, Integer> encoder = new HashMap<>(tokens.length * 2);
        for (int id = 0; id < tokens.length; id++) {
            encoder.put(tokens[id], id); // a repeated string maps to its last id, as in the reference
        }
        LOG.debug("{}: {} merges, vocabulary of {} ids", file, rules.size(), tokens.length);
        return BpeModel.resolve(tokens, encoder, rules, false, file, file);
    }

    private static List<MergeRule> readRules(Path file, int maxMerges) throws TokenizerFileException {
        List<MergeRule> rules = new ArrayList<>(Math.min(maxMerges, CLIP_MERGE_COUNT));
        MergeRule.LineCollector lines = new MergeRule.LineCollector(file, rules, 0);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8
                        .newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)))) {
            String header = reader.readLine();
            if (header == null) {
                throw new TokenizerFileException(file, "empty file; expected a header line followed by merges");
            }
            lines.accept(header, ""); // the first line is a header, whatever it says
            String line;
            while (rules.size() < maxMerges && (line = reader.readLine()) != null) {
                lines.accept(line, null);
            }
        } catch (TokenizerFileException e) {
            throw e;
        } catch (CharacterCodingException e) {
            throw new TokenizerFileException(file, "line " + (lines.lineNumber() + 1) + ": not valid UTF-8", e);
        } catch (IOException e) {
            throw new TokenizerFileException(file, "cannot read as a gzip-compressed text file after line "
                    + lines.lineNumber() + " (" + e.getMessage() + ")", e);
        }
        return rules;
    }
}
