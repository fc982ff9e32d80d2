package org.coft.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.coft.dl4j.adapt.CoftConfig;
import org.coft.dl4j.adapt.Method;
import org.deeplearning4j.arbiter.optimize.api.AbstractParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.distribution.LogUniformDistribution;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;

/**
 * A search space over CoFT's settings, as an Arbiter {@link ParameterSpace} of {@link CoftConfig}s, built from a
 * declarative JSON description:
 *
 * <pre>{@code
 * {"generator": "random",                       // random | grid | genetic   (default random)
 *  "grid_points": 3,                            // grid: points per continuous / integer parameter
 *  "parameters": {
 *    "phase1.seedsPerClass": {"values": [8, 16, 32]},               // discrete (any JSON values)
 *    "phase1.lambda":        {"uniform": [0.5, 2.0]},               // continuous
 *    "phase2.learningRate":  {"log-uniform": [3e-5, 3e-4]},         // continuous, uniform in log
 *    "phase2.epochs":        {"int": [4, 12]},                      // integer, both ends included
 *    "phase1.visual":        {"one-of": [                           // nested: a choice, and settings that
 *        {"value": "NONE"},                                         //   exist only with that choice
 *        {"value": "VPT_DEEP", "with": {"phase1.promptTokens": {"int": [4, 20]}}}]},
 *    "rounds":               {"values": [1, 2]}}}
 * }</pre>
 *
 * A path names a field of the config JSON ({@code rounds}, {@code phase1.<field>}, {@code phase2.<field>}; for
 * {@link Method#COFT_PHASE1} only {@code phase1.<field>}); fields the space does not name keep the method's defaults.
 * Every path and value is checked when the space is built: an unknown field, a value the config refuses, an empty
 * range or an empty space is an {@link IllegalArgumentException} naming it.
 */
public final class SearchSpace extends AbstractParameterSpace<CoftConfig> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The space {@code coft search} uses when none is given (a resource of this module). */
    public static final String DEFAULT_RESOURCE = "default-space.json";

    /** How candidates are drawn. */
    public enum Generator { RANDOM, GRID, GENETIC }

    private final Method method;
    private final CoftConfig base;
    private final List<Node> nodes;
    private final Generator generator;
    private final int gridPoints;
    private final JsonNode description;

    private SearchSpace(Method method, CoftConfig base, List<Node> nodes, Generator generator, int gridPoints,
                        JsonNode description) {
        this.method = method;
        this.base = base;
        this.nodes = nodes;
        this.generator = generator;
        this.gridPoints = gridPoints;
        this.description = description;
    }

    /** One parameter of the description: a leaf, or a choice with settings nested under its options. */
    private sealed interface Node permits Leaf, OneOf {
        String path();

        void apply(double[] x, ObjectNode tree, Map<String, JsonNode> settings);

        void leaves(List<ParameterSpace> out);
    }

    private record Leaf(String path, ParameterSpace<?> space) implements Node {
        @Override
        public void apply(double[] x, ObjectNode tree, Map<String, JsonNode> settings) {
            JsonNode v = json(space.getValue(x));
            set(tree, path, v);
            settings.put(path, v);
        }

        @Override
        public void leaves(List<ParameterSpace> out) {
            out.add(space);
        }
    }

    private record OneOf(String path, DiscreteParameterSpace<Integer> index, List<JsonNode> values,
                         List<List<Node>> nested) implements Node {
        @Override
        public void apply(double[] x, ObjectNode tree, Map<String, JsonNode> settings) {
            int k = index.getValue(x);
            set(tree, path, values.get(k));
            settings.put(path, values.get(k));
            for (Node n : nested.get(k)) {
                n.apply(x, tree, settings);
            }
        }

        @Override
        public void leaves(List<ParameterSpace> out) {
            out.add(index);
            for (List<Node> l : nested) {
                for (Node n : l) {
                    n.leaves(out);
                }
            }
        }
    }

    /** The default space of a method (its entry in {@value #DEFAULT_RESOURCE}). */
    public static SearchSpace defaults(Method method, CoftConfig base) {
        return builtIn("default", method, base);
    }

    /** The spaces that ship with this module, by name (sorted): each a resource holding one space per method. */
    public static final SortedMap<String, String> BUILT_IN = Collections.unmodifiableSortedMap(new TreeMap<>(
            Map.of("default", DEFAULT_RESOURCE, "wide", "wide-space.json")));

    /**
     * A space that ships with this module: {@code default} (the method's default space) or {@code wide} (every
     * setting of the default space over a wider range, K 4–64, the filter {@code NONE} too, learning rates a decade
     * either side of the default: the ranges a user unsure of the settings would try, whose candidates differ more in
     * accuracy — 3–7 points on the README's 2,000-image tasks; see there).
     *
     * @throws IllegalArgumentException for an unknown name or a method without that space
     */
    public static SearchSpace builtIn(String name, Method method, CoftConfig base) {
        String resource = BUILT_IN.get(name);
        if (resource == null) {
            throw new IllegalArgumentException("no built-in search space '" + name + "'; built-in spaces are "
                    + BUILT_IN.keySet());
        }
        try (InputStream in = SearchSpace.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the jar");
            }
            JsonNode d = JSON.readTree(in).get(method.cliName());
            if (d == null) {
                throw new IllegalArgumentException(method.cliName() + " has no built-in '" + name + "' search space "
                        + "(coft, coft-plus and coft-phase1 have)");
            }
            return parse(d, method, base, "the built-in '" + name + "' " + method.cliName() + " space");
        } catch (IOException e) {
            throw new IllegalStateException("resource " + resource + ": " + e, e);
        }
    }

    /** Reads a space file. @throws IllegalArgumentException naming the file and the bad field */
    public static SearchSpace read(Path file, Method method, CoftConfig base) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("space file " + file + " does not exist");
        }
        JsonNode d = org.coft.dl4j.run.JsonFiles.readObject(file, "a search space {\"parameters\": {...}}");
        return parse(d, method, base, "space file " + file);
    }

    /**
     * Builds a space from its description.
     *
     * @param base  the config every candidate starts from (the method's defaults, or {@code --config})
     * @param where what to name in errors (a file)
     */
    public static SearchSpace parse(JsonNode d, Method method, CoftConfig base, String where) {
        if (d == null || !d.isObject()) {
            throw new IllegalArgumentException(where + ": expected a JSON object with 'parameters'");
        }
        d.fieldNames().forEachRemaining(f -> {
            if (!List.of("generator", "grid_points", "parameters", "description").contains(f)) {
                throw new IllegalArgumentException(where + ": unknown field '" + f
                        + "'; fields are generator, grid_points, parameters, description");
            }
        });
        Generator g;
        String gen = d.path("generator").asText("random");
        try {
            g = Generator.valueOf(gen.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": generator '" + gen + "': expected random, grid or genetic");
        }
        int grid = d.path("grid_points").asInt(3);
        if (grid < 2) {
            throw new IllegalArgumentException(where + ": grid_points = " + d.path("grid_points") + ": expected at "
                    + "least 2");
        }
        JsonNode params = d.get("parameters");
        if (params == null || !params.isObject() || params.isEmpty()) {
            throw new IllegalArgumentException(where + ": 'parameters' is " + (params == null ? "missing" : "empty")
                    + ": a space needs at least one parameter, e.g. {\"phase2.epochs\": {\"int\": [4, 12]}}");
        }
        ObjectNode baseTree = tree(base);
        List<Node> nodes = nodes(params, method, baseTree, where, new java.util.HashSet<>());
        SearchSpace s = new SearchSpace(method, base, List.copyOf(nodes), g, grid, d);
        s.checkCorners(where);
        return s;
    }

    private static List<Node> nodes(JsonNode params, Method method, ObjectNode baseTree, String where,
                                    java.util.Set<String> seen) {
        List<Node> out = new ArrayList<>();
        var it = params.fields();
        while (it.hasNext()) {
            var e = it.next();
            String path = e.getKey();
            String at = where + ": parameter '" + path + "'";
            checkPath(path, method, baseTree, at);
            if (!seen.add(path)) {
                throw new IllegalArgumentException(at + " appears twice");
            }
            JsonNode spec = e.getValue();
            if (!spec.isObject() || spec.size() != 1) {
                throw new IllegalArgumentException(at + ": expected one of {\"values\": [...]}, {\"uniform\": [lo, hi]}"
                        + ", {\"log-uniform\": [lo, hi]}, {\"int\": [lo, hi]}, {\"one-of\": [{\"value\": v, \"with\": "
                        + "{...}}, ...]}; got " + spec);
            }
            String kind = spec.fieldNames().next();
            JsonNode arg = spec.get(kind);
            switch (kind) {
                case "values" -> {
                    List<JsonNode> vals = list(arg, at);
                    out.add(new Leaf(path, new DiscreteParameterSpace<>(vals)));
                }
                case "uniform", "log-uniform" -> {
                    double[] r = range(arg, at, kind);
                    if (kind.equals("log-uniform") && r[0] <= 0) {
                        throw new IllegalArgumentException(at + ": log-uniform needs 0 < lo, got " + arg);
                    }
                    out.add(new Leaf(path, kind.equals("uniform") ? new ContinuousParameterSpace(r[0], r[1])
                            : new ContinuousParameterSpace(new LogUniformDistribution(r[0], r[1]))));
                }
                case "int" -> {
                    double[] r = range(arg, at, kind);
                    if (r[0] != Math.rint(r[0]) || r[1] != Math.rint(r[1])) {
                        throw new IllegalArgumentException(at + ": int needs whole numbers, got " + arg);
                    }
                    out.add(new Leaf(path, new IntegerParameterSpace((int) r[0], (int) r[1])));
                }
                case "one-of" -> {
                    List<JsonNode> opts = list(arg, at);
                    List<JsonNode> values = new ArrayList<>();
                    List<List<Node>> nested = new ArrayList<>();
                    List<Integer> idx = new ArrayList<>();
                    for (int k = 0; k < opts.size(); k++) {
                        JsonNode o = opts.get(k);
                        if (!o.isObject() || !o.has("value")) {
                            throw new IllegalArgumentException(at + ": option " + k + " " + o + ": expected "
                                    + "{\"value\": v} or {\"value\": v, \"with\": {...}}");
                        }
                        o.fieldNames().forEachRemaining(f -> {
                            if (!f.equals("value") && !f.equals("with")) {
                                throw new IllegalArgumentException(at + ": option " + o + ": unknown field '" + f
                                        + "'; fields are value, with");
                            }
                        });
                        values.add(o.get("value"));
                        java.util.Set<String> inner = new java.util.HashSet<>(seen);
                        nested.add(o.has("with") ? List.copyOf(nodes(o.get("with"), method, baseTree,
                                at + " option " + o.get("value"), inner)) : List.of());
                        idx.add(k);
                    }
                    out.add(new OneOf(path, new DiscreteParameterSpace<>(idx), List.copyOf(values),
                            List.copyOf(nested)));
                }
                default -> throw new IllegalArgumentException(at + ": unknown kind '" + kind + "'; kinds are values, "
                        + "uniform, log-uniform, int, one-of");
            }
        }
        return out;
    }

    private static void checkPath(String path, Method method, ObjectNode baseTree, String at) {
        String[] p = path.split("\\.", -1);
        boolean ok;
        if (p.length == 1) {
            ok = p[0].equals("rounds") && method != Method.COFT_PHASE1;
        } else if (p.length == 2 && (p[0].equals("phase1") || p[0].equals("phase2"))) {
            if (p[0].equals("phase2") && method == Method.COFT_PHASE1) {
                throw new IllegalArgumentException(at + ": coft-phase1 has no Phase II; its space names phase1.<field> "
                        + "only");
            }
            ok = baseTree.get(p[0]).has(p[1]);
            if (!ok) {
                List<String> names = new ArrayList<>();
                baseTree.get(p[0]).fieldNames().forEachRemaining(names::add);
                throw new IllegalArgumentException(at + ": unknown field '" + p[1] + "' of " + p[0] + "; fields are "
                        + names);
            }
        } else {
            ok = false;
        }
        if (!ok) {
            throw new IllegalArgumentException(at + ": expected rounds, phase1.<field> or phase2.<field>"
                    + (method == Method.COFT_PHASE1 ? " (coft-phase1: phase1.<field> only)" : ""));
        }
    }

    private static List<JsonNode> list(JsonNode arg, String at) {
        if (arg == null || !arg.isArray() || arg.isEmpty()) {
            throw new IllegalArgumentException(at + ": expected a non-empty list, got " + arg);
        }
        List<JsonNode> out = new ArrayList<>();
        arg.forEach(out::add);
        return out;
    }

    private static double[] range(JsonNode arg, String at, String kind) {
        if (arg == null || !arg.isArray() || arg.size() != 2 || !arg.get(0).isNumber() || !arg.get(1).isNumber()) {
            throw new IllegalArgumentException(at + ": " + kind + " expects [lo, hi], got " + arg);
        }
        double lo = arg.get(0).asDouble();
        double hi = arg.get(1).asDouble();
        if (!(lo < hi) && !(kind.equals("int") && lo == hi)) {
            throw new IllegalArgumentException(at + ": " + kind + " range " + arg + " is empty (expected lo < hi)");
        }
        return new double[] {lo, hi};
    }

    /** Every option's lowest, middle and highest corner must give a valid config (errors name the field). */
    private void checkCorners(String where) {
        try {
            corners();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private void corners() {
        int n = numParameters();
        List<ParameterSpace> leaves = collectLeaves();
        for (int i = 0; i < leaves.size(); i++) {
            leaves.get(i).setIndices(i);
        }
        for (double u : new double[] {0.0, 0.5, 1.0}) {
            double[] x = new double[n];
            java.util.Arrays.fill(x, u);
            settings(x);
        }
        // every option of every choice, with the other leaves in the middle
        for (int i = 0; i < leaves.size(); i++) {
            if (leaves.get(i) instanceof DiscreteParameterSpace<?> d) {
                for (int k = 0; k < d.numValues(); k++) {
                    double[] x = new double[n];
                    java.util.Arrays.fill(x, 0.5);
                    x[i] = (k + 0.5) / d.numValues();
                    settings(x);
                }
            }
        }
    }

    /** A candidate: its config and the settings the space chose (path → value). */
    public record Point(CoftConfig config, Map<String, JsonNode> settings) { }

    /** The candidate at these flat parameters (one per leaf, each in [0, 1]). */
    public Point settings(double[] x) {
        ObjectNode tree = tree(base);
        Map<String, JsonNode> chosen = new LinkedHashMap<>();
        for (Node n : nodes) {
            n.apply(x, tree, chosen);
        }
        try {
            return new Point(CoftConfig.fromJson(tree, base, "search space"), Collections.unmodifiableMap(chosen));
        } catch (IOException e) {
            throw new IllegalArgumentException("the setting " + chosen + " gives no valid config: " + reason(e), e);
        }
    }

    @Override
    public CoftConfig getValue(double[] x) {
        return settings(x).config();
    }

    @Override
    public int numParameters() {
        return collectLeaves().size();
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        List<ParameterSpace> out = new ArrayList<>();
        for (Node n : nodes) {
            n.leaves(out);
        }
        return out;
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException("a SearchSpace is not a leaf; Arbiter sets its leaves' indices");
    }

    public Method method() {
        return method;
    }

    public CoftConfig base() {
        return base;
    }

    public Generator generator() {
        return generator;
    }

    public int gridPoints() {
        return gridPoints;
    }

    /** The description it was built from (recorded with the search). */
    public JsonNode description() {
        return description;
    }

    /** The parameter paths at the top level, in order. */
    public List<String> paths() {
        return nodes.stream().map(Node::path).toList();
    }

    /** The config's own message (e.g. "config field 'x' = v: expected ...") from under Jackson's wrapping. */
    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException && t.getMessage() != null
                    && t.getMessage().startsWith("config field")) {
                return t.getMessage();
            }
        }
        return e.getMessage();
    }

    private static ObjectNode tree(CoftConfig c) {
        try {
            return (ObjectNode) JSON.readTree(c.toJson());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void set(ObjectNode tree, String path, JsonNode v) {
        String[] p = path.split("\\.");
        if (p.length == 1) {
            tree.set(p[0], v);
        } else {
            ((ObjectNode) tree.get(p[0])).set(p[1], v);
        }
    }

    private static JsonNode json(Object v) {
        if (v instanceof JsonNode j) {
            return j;
        }
        if (v instanceof Integer i) {
            return IntNode.valueOf(i);
        }
        if (v instanceof Double d) {
            return DoubleNode.valueOf(d);
        }
        return JSON.valueToTree(v);
    }

    @Override
    public String toString() {
        return "SearchSpace" + paths();
    }
}
