package org.coft.datavec.source;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The ordered class names of a task; a label is an index into this list. Read from a {@code classes.txt}
 * (one name per line) or derived from a source's label names (sorted). Immutable.
 */
public final class ClassList {

    private final List<String> names;
    private final Map<String, Integer> index;

    private ClassList(List<String> names) {
        this.names = List.copyOf(names);
        this.index = new HashMap<>();
        if (this.names.isEmpty()) {
            throw new IllegalArgumentException("class names: the list is empty (need at least 1 class)");
        }
        for (int i = 0; i < this.names.size(); i++) {
            String n = this.names.get(i);
            if (n.isBlank() || !n.equals(n.strip())) {
                throw new IllegalArgumentException("class names: entry " + i + " '" + n
                        + "' is blank or has surrounding white space");
            }
            Integer previous = index.putIfAbsent(n, i);
            if (previous != null) {
                throw new IllegalArgumentException("class names: '" + n + "' appears twice (entries " + previous
                        + " and " + i + ")");
            }
        }
    }

    /**
     * @param names class names in label order: non-empty, unique, no blank names
     * @return the list
     */
    public static ClassList of(List<String> names) {
        return new ClassList(names);
    }

    /**
     * Reads a {@code classes.txt}: UTF-8, one class name per line in label order (line 1 is label 0); surrounding
     * white space is trimmed and blank lines are ignored.
     *
     * @param file the file
     * @return the list
     * @throws IOException              if the file cannot be read
     * @throws IllegalArgumentException if it holds no names or a name twice (the message names the file)
     */
    public static ClassList fromFile(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            // its message is only "Input length = 1"
            throw new IOException(file + ": class list is not valid UTF-8 (" + e + ")", e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<String> names = text.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
        try {
            return new ClassList(names);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** @return the names in label order (unmodifiable) */
    public List<String> names() {
        return names;
    }

    /** @return number of classes */
    public int size() {
        return names.size();
    }

    /**
     * @param label a class index
     * @return its name
     */
    public String name(int label) {
        if (label < 0 || label >= names.size()) {
            throw new IllegalArgumentException("label: " + label + " is out of range [0, " + (names.size() - 1) + "]");
        }
        return names.get(label);
    }

    /**
     * @param name a class name
     * @return its index, or empty when the name is not in the list
     */
    public OptionalInt indexOf(String name) {
        Integer i = index.get(name);
        return i == null ? OptionalInt.empty() : OptionalInt.of(i);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassList c && names.equals(c.names);
    }

    @Override
    public int hashCode() {
        return names.hashCode();
    }

    @Override
    public String toString() {
        return "ClassList" + names;
    }
}
