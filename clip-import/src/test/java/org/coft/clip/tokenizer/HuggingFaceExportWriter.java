package org.coft.clip.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Test helper: derives the files of the three supported formats from a list of merges, the way Hugging Face's
 * conversion of CLIP's BPE file does, without using the code under test. The byte alphabet is rebuilt here
 * independently so that a mistake in {@link ByteSymbols} cannot cancel out.
 */
final class HuggingFaceExportWriter {

    static final String START = "<|startoftext|>";
    static final String END = "<|endoftext|>";

    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFaceExportWriter() {
    }

    /** @return the 256 byte symbols in CLIP vocabulary order (printable Latin-1 bytes first, then the rest) */
    static List<String> byteSymbolsInOrder() {
        List<Integer> kept = new ArrayList<>();
        List<Integer> moved = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            boolean printable = ('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) || (0xAE <= b && b <= 0xFF);
            (printable ? kept : moved).add(b);
        }
        List<String> symbols = new ArrayList<>();
        kept.forEach(b -> symbols.add(String.valueOf((char) b.intValue())));
        for (int n = 0; n < moved.size(); n++) {
            symbols.add(String.valueOf((char) (256 + n)));
        }
        return symbols;
    }

    /** @return the full vocabulary (id = list position) that {@code merges} ("a b" each) give */
    static List<String> vocabulary(List<String> merges) {
        List<String> symbols = byteSymbolsInOrder();
        List<String> vocab = new ArrayList<>(symbols);
        symbols.forEach(s -> vocab.add(s + "</w>"));
        merges.forEach(m -> vocab.add(m.replace(" ", "")));
        vocab.add(START);
        vocab.add(END);
        return vocab;
    }

    /** Reads the first {@code limit} merges of an OpenAI BPE file (skipping its header line). */
    static List<String> readOpenAiMerges(Path gz, int limit) throws IOException {
        List<String> merges = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.UTF_8))) {
            reader.readLine();
            String line;
            while (merges.size() < limit && (line = reader.readLine()) != null) {
                merges.add(line);
            }
        }
        return merges;
    }

    static Path writeOpenAiGz(Path file, List<String> merges) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(("\"test-merges.txt#version: 0.2\n" + String.join("\n", merges) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    static Path writeVocabJson(Path file, List<String> vocab) throws IOException {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (int id = 0; id < vocab.size(); id++) {
            ids.put(vocab.get(id), id);
        }
        JSON.writeValue(file.toFile(), ids);
        return file;
    }

    static Path writeMergesTxt(Path file, List<String> merges) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("#version: 0.2\n");
            for (String merge : merges) {
                out.write(merge);
                out.write('\n');
            }
        }
        return file;
    }

    /**
     * @param mergesAsPairs true: {@code ["a", "b"]} pairs (newer tokenizers); false: {@code "a b"} strings
     */
    static Path writeTokenizerJson(Path file, List<String> vocab, List<String> merges, boolean mergesAsPairs)
            throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : List.of(START, END)) {
            added.addObject().put("id", vocab.indexOf(special)).put("content", special).put("special", true);
        }
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", END);
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "</w>");
        ObjectNode vocabNode = model.putObject("vocab");
        for (int id = 0; id < vocab.size(); id++) {
            vocabNode.put(vocab.get(id), id);
        }
        ArrayNode mergesNode = model.putArray("merges");
        for (String merge : merges) {
            if (mergesAsPairs) {
                String[] parts = merge.split(" ");
                mergesNode.addArray().add(parts[0]).add(parts[1]);
            } else {
                mergesNode.add(merge);
            }
        }
        JSON.writeValue(file.toFile(), root);
        return file;
    }
}
