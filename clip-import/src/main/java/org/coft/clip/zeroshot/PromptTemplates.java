package org.coft.clip.zeroshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt templates such as {@code "a photo of a {}."}: {@code {}} is replaced by the class name. A file holds
 * one template per line; blank lines and lines starting with {@code #} are ignored.
 *
 * @param templates the templates, each containing {@code {}} exactly once
 */
public record PromptTemplates(List<String> templates) {
    public static final String PLACEHOLDER = "{}";

    public PromptTemplates {
        if (templates.isEmpty()) {
            throw new IllegalArgumentException("templates must not be empty");
        }
        for (String t : templates) {
            int at = t.indexOf(PLACEHOLDER);
            if (at < 0 || t.indexOf(PLACEHOLDER, at + 1) >= 0) {
                throw new IllegalArgumentException("template '" + t + "' must contain " + PLACEHOLDER + " exactly once");
            }
        }
        templates = List.copyOf(templates);
    }

    /** CLIP's single default template. */
    public static PromptTemplates single() {
        return new PromptTemplates(List.of("a photo of a {}."));
    }

    public static PromptTemplates of(String... templates) {
        return new PromptTemplates(List.of(templates));
    }

    /** Reads a template file; errors name the file and line. */
    public static PromptTemplates read(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            if (!l.contains(PLACEHOLDER)) {
                throw new IOException(file + " line " + (i + 1) + ": template '" + l + "' has no " + PLACEHOLDER);
            }
            out.add(l);
        }
        if (out.isEmpty()) {
            throw new IOException(file + " holds no templates");
        }
        return new PromptTemplates(out);
    }

    /** The prompts for one class name. */
    public List<String> fill(String className) {
        return templates.stream().map(t -> t.replace(PLACEHOLDER, className)).toList();
    }

    public int size() {
        return templates.size();
    }
}
