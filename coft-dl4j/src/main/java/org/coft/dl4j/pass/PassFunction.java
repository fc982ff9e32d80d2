package org.coft.dl4j.pass;

import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The function of a pass: what this JVM runs on a batch of preprocessed pixels (a model already loaded here), and
 * how a remote worker loads the same model to run it there ({@link RemoteModel}).
 */
public final class PassFunction {
    private final String name;
    private final Function<INDArray, INDArray[]> local;
    private final RemoteModel remote;

    private PassFunction(String name, Function<INDArray, INDArray[]> local, RemoteModel remote) {
        if (name == null || local == null) {
            throw new IllegalArgumentException("a pass function needs a name and a local function");
        }
        this.name = name;
        this.local = local;
        this.remote = remote;
    }

    /**
     * @param name   what it computes, for messages
     * @param local  the function on this JVM's loaded model: pixels [n, 3, H, W] → its outputs, each [n, …]
     * @param remote how a worker loads the same model (null: this function runs in this JVM only)
     */
    public static PassFunction of(String name, Function<INDArray, INDArray[]> local, RemoteModel remote) {
        return new PassFunction(name, local, remote);
    }

    public String name() {
        return name;
    }

    /** Runs the function on this JVM's model. */
    public INDArray[] apply(INDArray pixels) {
        return local.apply(pixels);
    }

    /**
     * How a worker loads the same model.
     *
     * @throws IllegalStateException when this function runs in this JVM only
     */
    public RemoteModel remote() {
        if (remote == null) {
            throw new IllegalStateException(name + " runs in this JVM only: it has no description a remote worker "
                    + "could load (run this pass with ImagePass.LOCAL)");
        }
        return remote;
    }
}
