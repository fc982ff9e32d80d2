package org.coft.clip.tokenizer;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the tokenizer files of Hugging Face CLIP exports: {@code vocab.json} (token to id) with
 * {@code merges.txt} (an optional {@code #version} header line, then one merge {@code "a b"} per line), or the
 * single fast-tokenizer file {@code tokenizer.json} ({@code model.vocab}, {@code model.merges} as
 * {@code "a b"} strings or {@code ["a", "b"]} pairs, and {@code added_tokens}).
 *
 * <p>Ids must be {@code 0..n-1}, each used once. Every merge symbol and merge result must be in the
 * vocabulary, and so must the 512 byte symbols and both special tokens.
 */
final class HuggingFaceFiles {

    private static final Logger LOG = LoggerFactory.getLogger(HuggingFaceFiles.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFaceFiles() {
    }

    static BpeModel readVocabAndMerges(Path vocabJson, Path mergesTxt) throws TokenizerFileException {
        JsonNode root = readJson(vocabJson, "vocab.json (an object mapping each token to its id)");
        if (!root.isObject()) {
            throw new TokenizerFileException(vocabJson, "expected a JSON object mapping each token to its id, got "
                    + root.getNodeType());
        }
        Map<String, Integer> encoder = new HashMap<>(root.size() * 2);
        addVocabEntries(root, "", encoder, vocabJson);
        String[] tokens = tokensById(encoder, vocabJson);
        List<MergeRule> rules = readMergesTxt(mergesTxt);
        LOG.debug("{} + {}: {} ids, {} merges", vocabJson, mergesTxt, tokens.length, rules.size());
        return BpeModel.resolve(tokens, encoder, rules, true, vocabJson, mergesTxt);
    }

    static BpeModel readTokenizerJson(Path file) throws TokenizerFileException {
        JsonNode root = readJson(file, "tokenizer.json (a Hugging Face fast-tokenizer file)");
        JsonNode model = root.path("model");
        if (!model.isObject()) {
            throw new TokenizerFileException(file, "field 'model': expected an object with 'vocab' and 'merges'");
        }
        JsonNode type = model.path("type");
        if (!type.isMissingNode() && !type.isNull() && !"BPE".equals(type.asText())) {
            throw new TokenizerFileException(file, "field 'model.type': expected 'BPE', got '" + type.asText() + "'");
        }
        JsonNode suffix = model.path("end_of_word_suffix");
        if (!suffix.isMissingNode() && !suffix.isNull() && !BpeModel.END_OF_WORD.equals(suffix.asText())) {
            throw new TokenizerFileException(file, "field 'model.end_of_word_suffix': expected '"
                    + BpeModel.END_OF_WORD + "' (CLIP), got '" + suffix.asText() + "'");
        }
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject()) {
            throw new TokenizerFileException(file, "field 'model.vocab': expected an object mapping each token"
                    + " to its id");
        }
        Map<String, Integer> encoder = new HashMap<>(vocab.size() * 2);
        addVocabEntries(vocab, "model.vocab", encoder, file);
        addAddedTokens(root.path("added_tokens"), encoder, file);
        String[] tokens = tokensById(encoder, file);

        JsonNode merges = model.path("merges");
        if (!merges.isArray()) {
            throw new TokenizerFileException(file, "field 'model.merges': expected an array of merges");
        }
        List<MergeRule> rules = new ArrayList<>(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            rules.add(mergeFromJson(merges.get(i), "model.merges[" + i + "]", file));
        }
        LOG.debug("{}: {} ids, {} merges", file, tokens.length, rules.size());
        return BpeModel.resolve(tokens, encoder, rules, true, file, file);
    }

    private static MergeRule mergeFromJson(JsonNode merge, String location, Path file)
            throws TokenizerFileException {
        if (merge.isTextual()) {
            return MergeRule.parse(merge.asText(), location, file);
        }
        if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()
                && !merge.get(0).asText().isEmpty() && !merge.get(1).asText().isEmpty()) {
            return new MergeRule(merge.get(0).asText(), merge.get(1).asText(), location);
        }
        throw new TokenizerFileException(file, location + ": expected a merge as \"a b\" or [\"a\", \"b\"], got "
                + merge);
    }

    private static void addVocabEntries(JsonNode object, String field, Map<String, Integer> encoder, Path file)
            throws TokenizerFileException {
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> entry = fields.next();
            JsonNode id = entry.getValue();
            String where = field.isEmpty() ? "token '" + entry.getKey() + "'"
                    : "field '" + field + "[\"" + entry.getKey() + "\"]'";
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw new TokenizerFileException(file, where + ": expected a non-negative integer id, got " + id);
            }
            encoder.put(entry.getKey(), id.intValue());
        }
    }

    private static void addAddedTokens(JsonNode added, Map<String, Integer> encoder, Path file)
            throws TokenizerFileException {
        if (added.isMissingNode() || added.isNull()) {
            return;
        }
        if (!added.isArray()) {
            throw new TokenizerFileException(file, "field 'added_tokens': expected an array");
        }
        for (int i = 0; i < added.size(); i++) {
            JsonNode token = added.get(i);
            JsonNode id = token.path("id");
            JsonNode content = token.path("content");
            if (!content.isTextual() || !id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw new TokenizerFileException(file, "field 'added_tokens[" + i + "]': expected an object with"
                        + " a text 'content' and a non-negative integer 'id', got " + token);
            }
            Integer existing = encoder.putIfAbsent(content.asText(), id.intValue());
            if (existing != null && existing != id.intValue()) {
                throw new TokenizerFileException(file, "field 'added_tokens[" + i + "]': token '" + content.asText()
                        + "' has id " + id.intValue() + " but id " + existing + " in 'model.vocab'");
            }
        }
    }

    /** @return the token of every id; ids must be exactly 0..n-1 */
    private static String[] tokensById(Map<String, Integer> encoder, Path file) throws TokenizerFileException {
        String[] tokens = new String[encoder.size()];
        for (Map.Entry<String, Integer> entry : encoder.entrySet()) {
            int id = entry.getValue();
            if (id >= tokens.length) {
                throw new TokenizerFileException(file, "token '" + entry.getKey() + "' has id " + id
                        + "; expected ids 0.." + (tokens.length - 1) + " for " + tokens.length + " tokens");
            }
            if (tokens[id] != null) {
                throw new TokenizerFileException(file, "tokens '" + tokens[id] + "' and '" + entry.getKey()
                        + "' share id " + id + "; expected each id once");
            }
            tokens[id] = entry.getKey();
        }
        return tokens;
    }

    private static JsonNode readJson(Path file, String expected) throws TokenizerFileException {
        if (!Files.isRegularFile(file)) {
            throw new TokenizerFileException(file, "file not found; expected " + expected);
        }
        try (InputStream in = Files.newInputStream(file)) {
            JsonNode root = JSON.readTree(in);
            if (root == null || root.isMissingNode()) {
                throw new TokenizerFileException(file, "empty file; expected " + expected);
            }
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            throw new TokenizerFileException(file, where + "malformed JSON (" + e.getOriginalMessage()
                    + "); expected " + expected, e);
        } catch (IOException e) {
            throw new TokenizerFileException(file, "cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static List<MergeRule> readMergesTxt(Path file) throws TokenizerFileException {
        if (!Files.isRegularFile(file)) {
            throw new TokenizerFileException(file, "file not found; expected merges.txt (a '#version' header"
                    + " line, then one merge 'a b' per line)");
        }
        List<MergeRule> rules = new ArrayList<>();
        MergeRule.LineCollector lines = new MergeRule.LineCollector(file, rules, 0);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.accept(line, "#version");
            }
        } catch (TokenizerFileException e) {
            throw e;
        } catch (CharacterCodingException e) {
            throw new TokenizerFileException(file, "line " + (lines.lineNumber() + 1) + ": not valid UTF-8", e);
        } catch (IOException e) {
            throw new TokenizerFileException(file, "cannot read after line " + lines.lineNumber() + " ("
                    + e.getMessage() + ")", e);
        }
        return rules;
    }
}
