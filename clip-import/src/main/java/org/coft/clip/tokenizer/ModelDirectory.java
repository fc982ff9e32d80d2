package org.coft.clip.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the tokenizer files in a model directory, in this order of preference: {@code tokenizer.json};
 * {@code vocab.json} with {@code merges.txt}; a {@code *.txt.gz} BPE merges file ({@code
 * bpe_simple_vocab_16e6.txt.gz} if several are present).
 */
final class ModelDirectory {

    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String VOCAB_JSON = "vocab.json";
    static final String MERGES_TXT = "merges.txt";
    static final String OPENAI_BPE = "bpe_simple_vocab_16e6.txt.gz";

    private static final Logger LOG = LoggerFactory.getLogger(ModelDirectory.class);

    private ModelDirectory() {
    }

    static BpeModel read(Path dir) throws TokenizerFileException {
        if (!Files.isDirectory(dir)) {
            throw new TokenizerFileException(dir, "not a directory; expected a model directory holding "
                    + lookedFor());
        }
        Path tokenizerJson = dir.resolve(TOKENIZER_JSON);
        if (Files.isRegularFile(tokenizerJson)) {
            LOG.debug("{}: using {}", dir, TOKENIZER_JSON);
            return HuggingFaceFiles.readTokenizerJson(tokenizerJson);
        }
        Path vocab = dir.resolve(VOCAB_JSON);
        Path merges = dir.resolve(MERGES_TXT);
        if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
            LOG.debug("{}: using {} + {}", dir, VOCAB_JSON, MERGES_TXT);
            return HuggingFaceFiles.readVocabAndMerges(vocab, merges);
        }
        List<Path> gz = gzFiles(dir);
        Path preferred = dir.resolve(OPENAI_BPE);
        if (gz.contains(preferred) || gz.size() == 1) {
            Path chosen = gz.contains(preferred) ? preferred : gz.get(0);
            LOG.debug("{}: using {}", dir, chosen.getFileName());
            return OpenAiBpeFile.read(chosen, OpenAiBpeFile.CLIP_MERGE_COUNT);
        }
        String found;
        if (gz.size() > 1) {
            found = "; found several *.txt.gz files and none named " + OPENAI_BPE + ": "
                    + gz.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(", "));
        } else if (Files.isRegularFile(vocab) || Files.isRegularFile(merges)) {
            found = "; found " + (Files.isRegularFile(vocab) ? VOCAB_JSON + " without " + MERGES_TXT
                    : MERGES_TXT + " without " + VOCAB_JSON);
        } else {
            found = "";
        }
        throw new TokenizerFileException(dir, "no CLIP tokenizer files; looked for " + lookedFor() + found);
    }

    private static String lookedFor() {
        return TOKENIZER_JSON + ", or " + VOCAB_JSON + " + " + MERGES_TXT + ", or a *.txt.gz BPE merges file"
                + " (e.g. " + OPENAI_BPE + ")";
    }

    private static List<Path> gzFiles(Path dir) throws TokenizerFileException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".txt.gz") && Files.isRegularFile(p))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new TokenizerFileException(dir, "cannot list the directory (" + e.getMessage() + ")", e);
        }
    }
}
