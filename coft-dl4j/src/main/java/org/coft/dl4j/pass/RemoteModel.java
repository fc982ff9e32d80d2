package org.coft.dl4j.pass;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How a remote worker loads the model of a {@link PassFunction}: the files it needs ({@link #files()}, shipped to
 * each worker JVM once as {@link ModelFiles}) and how to build the model from them ({@link #load}). Serialisable;
 * holds settings and names, never arrays. A worker keeps one loaded copy per {@link #key()} for its lifetime.
 */
public interface RemoteModel extends Serializable {

    /**
     * The files the model is built from: a relative name (with {@code /}) → this machine's file. {@link #load} finds
     * them under the same names below its root.
     */
    Map<String, Path> files() throws IOException;

    /** Identity of the loaded model beside the files' contents (kind and settings): equal keys share one copy. */
    String key();

    /** Builds the model from {@link #files()} copied below {@code root}. */
    Loaded load(Path root) throws IOException;

    /** A loaded model: pixels [n, 3, H, W] → outputs. Calls to one instance are serialised by the worker. */
    interface Loaded {
        INDArray[] apply(INDArray pixels);
    }

    /** The regular files below {@code dir}, named {@code prefix + relative path}. */
    static Map<String, Path> filesBelow(Path dir, String prefix) throws IOException {
        Map<String, Path> out = new java.util.TreeMap<>();
        try (var s = java.nio.file.Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.filter(java.nio.file.Files::isRegularFile).sorted()::iterator) {
                out.put(prefix + dir.relativize(p).toString().replace(java.io.File.separatorChar, '/'), p);
            }
        }
        return out;
    }
}
