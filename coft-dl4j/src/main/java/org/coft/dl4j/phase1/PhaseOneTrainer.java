package org.coft.dl4j.phase1;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.coft.dl4j.run.RunFolder;
import org.coft.dl4j.train.AdamSteps;
import org.coft.dl4j.train.ArrayArchive;
import org.coft.dl4j.train.SeedStream;
import org.coft.dl4j.train.StepInfo;
import org.coft.dl4j.train.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The Phase I training loop for one {@link DualPromptModel}: Adam with a per-step cosine schedule over the seed
 * set, shuffled per epoch, a fresh random complement label per sample per step. Every random draw is a pure
 * function of (seed, epoch or step, position), so a run resumed from a checkpoint continues exactly as the
 * uninterrupted run would have.
 *
 * <p>Checkpoints ({@link ArrayArchive}, atomic) hold the parameters, Adam's state and the step; they are written
 * at the end of each epoch and every {@code checkpointEvery} steps.
 */
public final class PhaseOneTrainer {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What a model trains on: inputs of the seed examples (features [S, embed] or pixels [S, 3, H, W]) and their
     * pseudo labels.
     */
    public record TrainingData(INDArray inputs, int[] labels, List<String> ids) {
        public TrainingData {
            if (inputs.size(0) != labels.length || labels.length != ids.size()) {
                throw new IllegalArgumentException("inputs, labels and ids differ in length: " + inputs.size(0) + ", "
                        + labels.length + ", " + ids.size());
            }
            if (labels.length == 0) {
                throw new IllegalArgumentException("no training examples");
            }
        }
    }

    private PhaseOneTrainer() {
    }

    /** Steps per epoch for {@code n} examples (the last batch may be smaller). */
    public static int stepsPerEpoch(int n, int batch) {
        return (n + batch - 1) / batch;
    }

    /**
     * Trains {@code model} in place.
     *
     * @param name       the model's name in listener events and checkpoints ("A", "B")
     * @param seed       drives shuffling and complement labels
     * @param checkpoint checkpoint file, or null for none; when it exists training resumes from it
     * @throws IOException when a checkpoint cannot be read or written, or belongs to another run
     */
    public static void train(DualPromptModel model, String name, TrainingData data, long seed, Path checkpoint,
                             List<TrainingListener> listeners) throws IOException {
        train(model, name, data, seed, checkpoint, RunFolder.untracked(), listeners);
    }

    /**
     * As {@link #train(DualPromptModel, String, TrainingData, long, Path, List)}, the checkpoint recorded in and
     * verified against {@code files} (a damaged checkpoint is a named {@link org.coft.dl4j.run.IntegrityException}).
     */
    public static void train(DualPromptModel model, String name, TrainingData data, long seed, Path checkpoint,
                             RunFolder files, List<TrainingListener> listeners) throws IOException {
        PhaseOneConfig cfg = model.config();
        int n = data.labels().length;
        int c = model.classNames().size();
        int perEpoch = stepsPerEpoch(n, cfg.batchSize());
        int total = perEpoch * cfg.epochs();
        Map<String, INDArray> params = model.parameters();
        String fingerprint = fingerprint(model, name, seed, n);
        int start = 0;
        AdamSteps adam;
        ArrayArchive.Contents ck = ArrayArchive.checkpointToResume(checkpoint, files, fingerprint,
                "model, seed, data or config");
        if (ck != null) {
            start = ck.metaJson().path("step").asInt();
            adam = AdamSteps.restore(cfg.learningRate(), total, params, ck.arrays(), checkpoint);
        } else {
            adam = AdamSteps.fresh(cfg.learningRate(), total, params);
        }
        for (TrainingListener l : listeners) {
            l.onStart(name, start, total);
        }
        int[] order = null;
        for (int step = start; step < total; step++) {
            int epoch = step / perEpoch;
            int b = step % perEpoch;
            if (order == null || b == 0) {
                order = permutation(n, SeedStream.PHASE1_SHUFFLE.of(seed, epoch));
            }
            int from = b * cfg.batchSize();
            int to = Math.min(n, from + cfg.batchSize());
            int[] idx = java.util.Arrays.copyOfRange(order, from, to);
            INDArray x = rows(data.inputs(), idx);
            int[] labels = new int[idx.length];
            List<String> ids = new ArrayList<>();
            INDArray y = Nd4j.zeros(DataType.FLOAT, idx.length, c);
            INDArray comp = Nd4j.zeros(DataType.FLOAT, idx.length, c);
            SplittableRandom r = new SplittableRandom(SeedStream.COMPLEMENT.of(seed, step));
            for (int i = 0; i < idx.length; i++) {
                labels[i] = data.labels()[idx[i]];
                ids.add(data.ids().get(idx[i]));
                y.putScalar(i, labels[i], 1f);
                comp.putScalar(i, org.coft.dl4j.layers.ComplementLabels.draw(r, labels[i], c), 1f);
            }
            DualPromptModel.Step st = model.gradients(x, y, comp);
            double lr = adam.learningRate(step, epoch);
            StepInfo info = new StepInfo(name, epoch, cfg.epochs(), step + 1, total, st.loss(), st.l1(), st.l2(), lr, ids,
                    labels, st.pCleanOfLabel());
            for (TrainingListener l : listeners) {
                l.onGradients(info, st.gradients());
            }
            adam.apply(st.gradients(), cfg.weightDecay(), step, epoch);
            for (TrainingListener l : listeners) {
                l.onStep(info);
            }
            // the step's inputs are freed now rather than by a later collection (their Java objects are small)
            x.close();
            y.close();
            comp.close();
            boolean epochEnd = b == perEpoch - 1;
            boolean every = cfg.checkpointEvery() > 0 && (step + 1) % cfg.checkpointEvery() == 0;
            if (checkpoint != null && (epochEnd || every)) {
                save(files, checkpoint, adam, fingerprint, step + 1);
                for (TrainingListener l : listeners) {
                    l.onCheckpoint(name, step + 1, checkpoint);
                }
            }
            if (epochEnd) {
                for (TrainingListener l : listeners) {
                    l.onEpochEnd(name, epoch);
                }
            }
        }
        for (TrainingListener l : listeners) {
            l.onEnd(name);
        }
    }

    private static void save(RunFolder files, Path file, AdamSteps adam, String fingerprint, int step)
            throws IOException {
        ObjectNode meta = JSON.createObjectNode();
        meta.put("fingerprint", fingerprint);
        meta.put("step", step);
        files.writeArchive(file, RunFolder.Kind.WORK, adam.checkpointArrays(), meta.toString());
    }

    private static String fingerprint(DualPromptModel model, String name, long seed, int n) {
        String s = model.config().toJson() + "|" + name + "|" + seed + "|" + n + "|" + model.classNames();
        return sha256(s);
    }

    static String sha256(String s) {
        return AdamSteps.sha256(s);
    }

    /** A seeded permutation of 0..n-1 (Fisher–Yates). */
    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Rows (first-axis entries) of an array, in the given order. */
    static INDArray rows(INDArray a, int[] idx) {
        long[] shape = a.shape().clone();
        shape[0] = idx.length;
        INDArray out = Nd4j.create(a.dataType(), shape);
        for (int i = 0; i < idx.length; i++) {
            out.get(NDArrayIndex.point(i)).assign(a.get(NDArrayIndex.point(idx[i])));
        }
        return out;
    }
}
