package org.coft.clip.onnx;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A model could not be imported: the file is unreadable, or nodes use operators (or operator variants) that
 * the importer does not support. Lists every problem at once, each naming node, op type and opset.
 */
public class OnnxImportException extends Exception {
    /** One problem with one node (or with the file, when {@code node} is empty). */
    public record Problem(String node, String opType, String domain, long opset, String message) {
        @Override
        public String toString() {
            if (node == null || node.isEmpty()) {
                return message;
            }
            String d = domain == null || domain.isEmpty() ? "ai.onnx" : domain;
            return "node '" + node + "' (" + opType + ", " + d + " opset " + opset + "): " + message;
        }
    }

    private final String source;
    private final List<Problem> problems;

    public OnnxImportException(String source, List<Problem> problems) {
        super(format(source, problems));
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    public OnnxImportException(String source, String message, Throwable cause) {
        super("cannot import " + source + ": " + message, cause);
        this.source = source;
        this.problems = List.of(new Problem("", "", "", -1, message));
    }

    public String source() {
        return source;
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String format(String source, List<Problem> problems) {
        return "cannot import " + source + ": " + problems.size() + " problem(s)\n"
                + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n"));
    }
}
