package org.coft.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.coft.clip.tokenizer.ClipTokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coft tokenize}: one line of comma-separated ids (with start and end tokens) per text. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenize texts with CLIP's BPE; prints one line of ids per text (start and end included, no padding).")
final class TokenizeCommand implements Callable<Integer> {
    static final class Source {
        @Option(names = "--model", description = "a model directory (tokenizer.json, vocab.json + merges.txt, or *.txt.gz)")
        Path model;

        @Option(names = "--vocab", description = "a vocabulary file: tokenizer.json, vocab.json (merges.txt beside it) "
                + "or bpe_simple_vocab_16e6.txt.gz")
        Path vocab;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Parameters(paramLabel = "TEXT", arity = "1..*")
    List<String> texts;

    @Override
    public Integer call() throws Exception {
        ClipTokenizer tok = open();
        for (String t : texts) {
            int[] ids = tok.encode(t);
            System.out.println(IntStream.of(ids).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        }
        return 0;
    }

    private ClipTokenizer open() throws Exception {
        if (source.model != null) {
            return ClipTokenizer.fromModelDir(source.model);
        }
        String name = source.vocab.getFileName().toString();
        if (name.endsWith(".gz")) {
            return ClipTokenizer.fromBpeGz(source.vocab);
        }
        if (name.equals("tokenizer.json")) {
            return ClipTokenizer.fromTokenizerJson(source.vocab);
        }
        Path merges = source.vocab.resolveSibling("merges.txt");
        return ClipTokenizer.fromVocabAndMerges(source.vocab, merges);
    }
}
