package org.coft.clip.onnx.ir;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One operation of the intermediate graph: an ONNX node, or a fused node produced by a rewrite pass
 * (domain {@link #FUSED_DOMAIN}). Empty input names mean "optional input not given", as in ONNX.
 */
public final class IrNode {
    /** Domain of nodes created by this project's fusion passes. */
    public static final String FUSED_DOMAIN = "org.coft";

    private final String name;
    private final String opType;
    private final String domain;
    private final List<String> inputs;
    private final List<String> outputs;
    private final Map<String, Attr> attrs;

    public IrNode(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                  Map<String, Attr> attrs) {
        this.name = name;
        this.opType = opType;
        this.domain = domain == null ? "" : domain;
        this.inputs = new ArrayList<>(inputs);
        this.outputs = new ArrayList<>(outputs);
        this.attrs = new LinkedHashMap<>(attrs);
    }

    /** A copy with its own input, output and attribute collections (attribute values are shared). */
    public IrNode copy() {
        return new IrNode(name, opType, domain, inputs, outputs, attrs);
    }

    public String name() {
        return name;
    }

    public String opType() {
        return opType;
    }

    /** ONNX domain; "" is the default {@code ai.onnx} domain. */
    public String domain() {
        return domain;
    }

    public List<String> inputs() {
        return inputs;
    }

    public List<String> outputs() {
        return outputs;
    }

    public Map<String, Attr> attrs() {
        return attrs;
    }

    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    public boolean hasInput(int i) {
        return !input(i).isEmpty();
    }

    public String output(int i) {
        return outputs.get(i);
    }

    public long intAttr(String key, long dflt) {
        Attr a = attrs.get(key);
        return a == null ? dflt : ofKind(key, a, Attr.Kind.INT).i();
    }

    public double floatAttr(String key, double dflt) {
        Attr a = attrs.get(key);
        if (a != null && a.kind() == Attr.Kind.INT) {
            return a.i();
        }
        return a == null ? dflt : ofKind(key, a, Attr.Kind.FLOAT).f();
    }

    public String stringAttr(String key, String dflt) {
        Attr a = attrs.get(key);
        return a == null ? dflt : ofKind(key, a, Attr.Kind.STRING).s();
    }

    public long[] intsAttr(String key) {
        Attr a = attrs.get(key);
        return a == null ? null : ofKind(key, a, Attr.Kind.INTS).ints();
    }

    /** {@code a} when it has the kind a converter reads; a malformed model gets a message naming the attribute. */
    private static Attr ofKind(String key, Attr a, Attr.Kind want) {
        if (a.kind() != want) {
            throw new IllegalArgumentException("attribute '" + key + "' is " + a.kind() + ", expected " + want);
        }
        return a;
    }

    /** "OpType 'name'" for messages. */
    public String describe() {
        return (domain.isEmpty() ? "" : domain + ".") + opType + " '" + name + "'";
    }

    @Override
    public String toString() {
        return describe() + " " + inputs + " -> " + outputs;
    }
}
