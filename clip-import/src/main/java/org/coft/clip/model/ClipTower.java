package org.coft.clip.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.coft.clip.onnx.OnnxGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One CLIP tower (text or image) as an imported SameDiff graph with named seams. Weights start frozen
 * (SameDiff constants); {@link #setTrainable(boolean)} turns them into trainable variables and back.
 */
public final class ClipTower {
    private final OnnxGraph graph;
    private final String output;
    private final String beforeProjection;
    private boolean trainable;

    ClipTower(OnnxGraph graph, String output, String beforeProjection) {
        this.graph = graph;
        this.output = output;
        this.beforeProjection = beforeProjection;
        setTrainable(false);
    }

    /** The imported graph (inputs and outputs by ONNX name). */
    public OnnxGraph graph() {
        return graph;
    }

    public SameDiff sameDiff() {
        return graph.sameDiff();
    }

    /** ONNX name of the projected features output. */
    public String output() {
        return output;
    }

    /** ONNX name of the features before projection, or null when the projection was not found. */
    public String beforeProjection() {
        return beforeProjection;
    }

    /** SameDiff variable of an input or output, by ONNX name. */
    public SDVariable variable(String onnxName) {
        String n = graph.sdName(onnxName);
        if (n == null) {
            throw new IllegalArgumentException("no input or output '" + onnxName + "'; inputs " + graph.inputNames()
                    + ", outputs " + graph.outputNames());
        }
        return graph.sameDiff().getVariable(n);
    }

    public boolean isTrainable() {
        return trainable;
    }

    /** Names of the tower's weight variables in SameDiff. */
    public List<String> weightNames() {
        return new ArrayList<>(graph.weights().values());
    }

    /** Makes every weight of the tower trainable (variables) or frozen (constants, bit-identical values). */
    public void setTrainable(boolean on) {
        SameDiff sd = graph.sameDiff();
        List<SDVariable> change = new ArrayList<>();
        for (String w : graph.weights().values()) {
            SDVariable v = sd.getVariable(w);
            boolean isVar = v.getVariableType() == VariableType.VARIABLE;
            if (on != isVar) {
                change.add(v);
            }
        }
        if (!change.isEmpty()) {
            if (on) {
                sd.convertToVariables(change);
            } else {
                sd.convertToConstants(change);
            }
            // plans fold values computed from constants; they are stale once weights change kind
            graph.releasePlans();
        }
        trainable = on;
    }

    /** Runs the named outputs. */
    public Map<String, INDArray> run(Map<String, INDArray> inputs, List<String> outputs) {
        return graph.run(inputs, outputs);
    }
}
