package org.coft.dl4j.phase2;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Label propagation over a k-nearest-neighbour graph of image features (Zhou et al., "Learning with local and global
 * consistency", NIPS 2003, with the sparse cosine graph of Iscen et al., "Label propagation for deep semi-supervised
 * learning", CVPR 2019). A pure function of the features and the labelled examples; deterministic.
 *
 * <p>Graph: each image's {@code k} most cosine-similar other images (ties to the lower index), edge weight
 * {@code max(cos, 0)^γ}, made symmetric ({@code W + Wᵀ}) and normalised ({@code D^-½ W D^-½}). Diffusion:
 * {@code Z ← α W Z + (1 − α) Y}, {@code iterations} times, with {@code Y} the labelled examples one-hot, each class's
 * column divided by its count (so a class with more labels does not spread further). Cost: {@code N²·D} for the
 * graph (in row blocks, memory {@code O(block·N)}), {@code N·k·C} per iteration.
 */
public final class LabelPropagation {
    /** Rows of the similarity matrix computed at once. */
    private static final int BLOCK = 512;

    private final int k;
    private final double gamma;
    private final double alpha;
    private final int iterations;

    /**
     * @param k          neighbours per image (at least 1)
     * @param gamma      exponent of the edge weights
     * @param alpha      diffusion weight in [0, 1)
     * @param iterations diffusion steps (at least 1)
     */
    public LabelPropagation(int k, double gamma, double alpha, int iterations) {
        if (k < 1 || gamma <= 0 || !(alpha >= 0 && alpha < 1) || iterations < 1) {
            throw new IllegalArgumentException("label propagation: k " + k + " (at least 1), gamma " + gamma
                    + " (positive), alpha " + alpha + " (in [0, 1)), iterations " + iterations + " (at least 1)");
        }
        this.k = k;
        this.gamma = gamma;
        this.alpha = alpha;
        this.iterations = iterations;
    }

    /** Iscen et al.'s weights and diffusion (γ = 3, α = 0.99), 20 neighbours, 30 steps. */
    public static LabelPropagation standard(int k) {
        return new LabelPropagation(k, 3.0, 0.99, 30);
    }

    /** Each image's neighbours ({@code [N][k']}, most similar first, k' = min(k, N − 1)) and their edge weights. */
    record Graph(int[][] neighbours, double[][] weights) { }

    Graph graph(INDArray features) {
        if (features.rank() != 2) {
            throw new IllegalArgumentException("features must be [N, D], got " + java.util.Arrays.toString(features.shape()));
        }
        int n = (int) features.rows();
        int kk = Math.min(k, n - 1);
        INDArray x = features.castTo(DataType.FLOAT).dup();
        INDArray norms = x.norm2(1).reshape(n, 1).addi(1e-12);
        x.diviColumnVector(norms);
        int[][] nb = new int[n][kk];
        double[][] w = new double[n][kk];
        float[] row = new float[n];
        for (int start = 0; start < n; start += BLOCK) {
            int end = Math.min(n, start + BLOCK);
            INDArray block = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            float[] sims = block.mmul(x.transpose()).castTo(DataType.FLOAT).data().asFloat();
            for (int i = start; i < end; i++) {
                System.arraycopy(sims, (i - start) * n, row, 0, n);
                row[i] = Float.NEGATIVE_INFINITY;
                topK(row, kk, nb[i]);
                for (int j = 0; j < kk; j++) {
                    w[i][j] = Math.pow(Math.max(row[nb[i][j]], 0f), gamma);
                }
            }
        }
        return new Graph(nb, w);
    }

    /** The {@code kk} largest entries of {@code v} (ties to the lower index), largest first, into {@code out}. */
    private static void topK(float[] v, int kk, int[] out) {
        int size = 0;
        for (int j = 0; j < v.length; j++) {
            float s = v[j];
            if (size == kk && !(s > v[out[kk - 1]])) {
                continue;
            }
            int pos = size == kk ? kk - 1 : size++;
            while (pos > 0 && s > v[out[pos - 1]]) {
                out[pos] = out[pos - 1];
                pos--;
            }
            out[pos] = j;
        }
    }

    /**
     * Class scores of every image after diffusing the labelled examples [N][C].
     *
     * @param features [N, D] image features (any scale; cosine similarity is used)
     * @param labels   per image its class, or −1 for unlabelled
     */
    public double[][] scores(INDArray features, int[] labels, int classes) {
        int n = (int) features.rows();
        if (labels.length != n) {
            throw new IllegalArgumentException("label propagation: " + labels.length + " labels for " + n + " images");
        }
        Graph g = graph(features);
        double[] degree = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < g.neighbours()[i].length; j++) {
                degree[i] += g.weights()[i][j];
                degree[g.neighbours()[i][j]] += g.weights()[i][j];
            }
        }
        double[] dn = new double[n];
        for (int i = 0; i < n; i++) {
            dn[i] = 1.0 / Math.sqrt(degree[i] + 1e-12);
        }
        int[] count = new int[classes];
        for (int y : labels) {
            if (y >= classes) {
                throw new IllegalArgumentException("label propagation: label " + y + " for " + classes + " classes");
            }
            if (y >= 0) {
                count[y]++;
            }
        }
        double[][] y0 = new double[n][classes];
        for (int i = 0; i < n; i++) {
            if (labels[i] >= 0) {
                y0[i][labels[i]] = 1.0 / count[labels[i]];
            }
        }
        double[][] z = new double[n][];
        for (int i = 0; i < n; i++) {
            z[i] = y0[i].clone();
        }
        for (int it = 0; it < iterations; it++) {
            double[][] next = new double[n][classes];
            for (int i = 0; i < n; i++) {
                int[] nb = g.neighbours()[i];
                double[] w = g.weights()[i];
                for (int j = 0; j < nb.length; j++) {
                    int m = nb[j];
                    double wn = w[j] * dn[i] * dn[m];
                    double[] zi = z[i];
                    double[] zm = z[m];
                    double[] ni = next[i];
                    double[] nm = next[m];
                    for (int c = 0; c < classes; c++) {
                        ni[c] += wn * zm[c];
                        nm[c] += wn * zi[c];
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < classes; c++) {
                    next[i][c] = alpha * next[i][c] + (1 - alpha) * y0[i][c];
                }
            }
            z = next;
        }
        return z;
    }

    /** The arg-max class of every image after diffusion (the first of ties). */
    public int[] predict(INDArray features, int[] labels, int classes) {
        double[][] z = scores(features, labels, classes);
        int[] out = new int[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = CollaborativeFilter.argmax(z[i]);
        }
        return out;
    }
}
