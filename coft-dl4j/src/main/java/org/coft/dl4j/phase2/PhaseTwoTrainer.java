package org.coft.dl4j.phase2;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.iterate.ImageBatch;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.train.AdamSteps;
import org.coft.dl4j.train.ArrayArchive;
import org.coft.dl4j.train.SeedStream;
import org.coft.dl4j.train.StepInfo;
import org.coft.dl4j.train.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Phase II training loop for one {@link FineTuneNetwork}: Adam with a per-step cosine schedule, augmented views
 * from {@link ImageBatchIterator} (shuffle and augmentation are pure functions of seed, epoch and image id), and for
 * CoFT+ a second view through the momentum key encoder with a queue of keys.
 *
 * <p>Plain CoFT trains on the images with a kept label only; with the contrastive term every image takes part
 * (unlabelled ones with cross-entropy weight 0). A checkpoint (atomic) is written after every epoch: parameters,
 * Adam state, key encoder and queue; a run resumed from it continues exactly as the uninterrupted run.
 */
public final class PhaseTwoTrainer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PhaseTwoTrainer() {
    }

    /**
     * Trains {@code net} in place.
     *
     * @param images     all images (in the run's order)
     * @param labels     pseudo label per image, −1 for none (same order as {@code images})
     * @param checkpoint checkpoint file (resumed from when present), or null
     * @param threads    image decoding threads
     */
    public static void train(FineTuneNetwork net, String name, UnlabeledImages images, int[] labels, int classes,
                             PhaseTwoConfig cfg, long seed, PreprocessConfig preprocess, Path checkpoint, int threads,
                             FineTuneNetwork keyNet, List<TrainingListener> listeners) throws IOException {
        train(net, name, images, labels, classes, cfg, seed, preprocess, checkpoint, org.coft.dl4j.run.RunFolder
                .untracked(), threads, keyNet, listeners);
    }

    /** As above, the checkpoint recorded in and verified against {@code files}. */
    public static void train(FineTuneNetwork net, String name, UnlabeledImages images, int[] labels, int classes,
                             PhaseTwoConfig cfg, long seed, PreprocessConfig preprocess, Path checkpoint,
                             org.coft.dl4j.run.RunFolder files, int threads, FineTuneNetwork keyNet,
                             List<TrainingListener> listeners) throws IOException {
        if (labels.length != images.size()) {
            throw new IllegalArgumentException(images.size() + " images but " + labels.length + " labels");
        }
        if (cfg.contrastive() != (keyNet != null)) {
            throw new IllegalArgumentException("a key encoder network is needed exactly when gamma > 0");
        }
        List<Integer> use = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            if (cfg.contrastive() || labels[i] >= 0) {
                use.add(i);
            }
        }
        if (use.isEmpty()) {
            throw new IllegalArgumentException("model " + name + ": no image kept a pseudo label; nothing to train on");
        }
        // keys by position in the run's order (not the ids: an id may carry a class sub-folder, and augmentation is
        // seeded by key, so the same images with or without sub-folders train identically)
        List<String> sampleKeys = new ArrayList<>();
        Map<String, Integer> labelOf = new HashMap<>();
        Map<String, String> idOf = new HashMap<>();
        for (int i : use) {
            String key = "#" + i;
            sampleKeys.add(key);
            labelOf.put(key, labels[i]);
            idOf.put(key, images.id(i));
        }
        double[] classWeight = cfg.classWeights(labels, classes);
        UnlabeledImages train = ImageViews.subset(images, use.stream().mapToInt(Integer::intValue).toArray(),
                sampleKeys);
        int n = train.size();
        int perEpoch = (n + cfg.batchSize() - 1) / cfg.batchSize();
        int total = perEpoch * cfg.epochs();
        Map<String, INDArray> params = net.parameters();
        MomentumEncoder keys = null;
        KeyQueue queue = null;
        if (keyNet != null) {
            // the key network's own weight arrays are the key encoder: it starts equal to the query network and
            // follows it by EMA in place
            Map<String, INDArray> live = keyNet.encoderParameters();
            Map<String, INDArray> query = net.encoderParameters();
            if (!live.keySet().equals(query.keySet())) {
                throw new IllegalArgumentException("the key network's encoder " + live.keySet()
                        + " differs from the query network's " + query.keySet());
            }
            for (Map.Entry<String, INDArray> e : live.entrySet()) {
                INDArray q = query.get(e.getKey());
                if (q == e.getValue()) {
                    throw new IllegalArgumentException("the key network must hold its own copy of '" + e.getKey() + "'");
                }
                e.getValue().assign(q);
            }
            keys = MomentumEncoder.over(live, cfg.momentum());
            int dim = net.embedDim();
            queue = new KeyQueue(cfg.queueSize(), dim);
            // MoCo starts from a queue of random unit keys
            queue.enqueue(org.coft.dl4j.layers.PromptLearner.gaussian(new long[] {cfg.queueSize(), dim},
                    SeedStream.MOCO_QUEUE.of(seed), 1.0));
        }
        String fingerprint = fingerprint(net, name, seed, cfg, train.ids(), labelOf);
        int startEpoch = 0;
        AdamSteps adam;
        ArrayArchive.Contents ck = ArrayArchive.checkpointToResume(checkpoint, files, fingerprint,
                "network, seed, labels or config");
        if (ck != null) {
            ObjectNode meta = ck.metaJson();
            startEpoch = meta.path("epoch").asInt();
            adam = AdamSteps.restore(cfg.learningRate(), total, params, ck.arrays(), checkpoint);
            if (keys != null) {
                for (Map.Entry<String, INDArray> e : keys.parameters().entrySet()) {
                    e.getValue().assign(need(ck, "key/" + e.getKey(), checkpoint));
                }
                queue.restore(need(ck, "queue", checkpoint), meta.path("queue_next").asInt(),
                        meta.path("queue_filled").asInt());
            }
        } else {
            adam = AdamSteps.fresh(cfg.learningRate(), total, params);
        }
        for (TrainingListener l : listeners) {
            l.onStart(name, startEpoch * perEpoch, total);
        }
        long dataSeed = SeedStream.PHASE2_DATA.of(seed);
        for (int epoch = startEpoch; epoch < cfg.epochs(); epoch++) {
            try (ImageBatchIterator q = iterator(train, preprocess, cfg, dataSeed, epoch, 0, threads);
                 ImageBatchIterator k = keyNet == null ? null : iterator(train, preprocess, cfg, dataSeed, epoch, 1,
                         threads)) {
                for (int b = 0; b < perEpoch; b++) {
                    int step = epoch * perEpoch + b;
                    ImageBatch batch = q.nextBatch();
                    int m = batch.ids().size();
                    INDArray y = Nd4j.zeros(DataType.FLOAT, m, classes);
                    INDArray w = Nd4j.zeros(DataType.FLOAT, m);
                    int[] bl = new int[m];
                    for (int i = 0; i < m; i++) {
                        bl[i] = labelOf.get(batch.ids().get(i));
                        if (bl[i] >= 0) {
                            y.putScalar(i, bl[i], 1f);
                            w.putScalar(i, (float) classWeight[bl[i]]);
                        }
                    }
                    INDArray kb = null;
                    if (keyNet != null) {
                        ImageBatch other = k.nextBatch();
                        if (!other.ids().equals(batch.ids())) {
                            throw new IllegalStateException("the two views are out of step at step " + step);
                        }
                        kb = keyNet.contrastEmbeds(other.images());
                    }
                    INDArray queued = queue == null ? null : queue.keys();
                    FineTuneNetwork.Step st = step(net, batch.images(), y, w, kb, queued, cfg.microBatch());
                    if (queued != null) {
                        queued.close();
                    }
                    double lr = adam.learningRate(step, epoch);
                    StepInfo info = new StepInfo(name, epoch, cfg.epochs(), step + 1, total, st.loss(), st.ce(),
                            st.contrastive(), lr, batch.ids().stream().map(idOf::get).toList(), bl, null);
                    for (TrainingListener l : listeners) {
                        l.onGradients(info, st.gradients());
                    }
                    adam.apply(st.gradients(), cfg.weightDecay(), step, epoch);
                    if (keys != null) {
                        keys.update(net.encoderParameters());
                        queue.enqueue(kb);
                    }
                    for (TrainingListener l : listeners) {
                        l.onStep(info);
                    }
                    // the step's inputs are freed now rather than by a later collection (their Java objects are
                    // small, so a collection would come late)
                    batch.images().close();
                    y.close();
                    w.close();
                    if (kb != null) {
                        kb.close();
                    }
                }
            }
            if (checkpoint != null) {
                save(files, checkpoint, adam, keys, queue, fingerprint, epoch + 1);
                for (TrainingListener l : listeners) {
                    l.onCheckpoint(name, (epoch + 1) * perEpoch, checkpoint);
                }
            }
            for (TrainingListener l : listeners) {
                l.onEpochEnd(name, epoch);
            }
        }
        for (TrainingListener l : listeners) {
            l.onEnd(name);
        }
    }

    /**
     * One batch's loss and gradients, in passes of at most {@code micro} images (0 = one pass); the passes' losses and
     * gradients add up to the whole batch's (normalisers of the whole batch).
     */
    static FineTuneNetwork.Step step(FineTuneNetwork net, INDArray x, INDArray y, INDArray w, INDArray keys,
                                     INDArray queue, int micro) {
        long m = x.size(0);
        double ceNorm = Math.max(w.sumNumber().doubleValue(), 1e-8);
        if (micro <= 0 || micro >= m) {
            return net.gradients(x, y, w, keys, queue, ceNorm, m);
        }
        double loss = 0;
        double ce = 0;
        double cont = 0;
        Map<String, INDArray> sum = null;
        for (long from = 0; from < m; from += micro) {
            long to = Math.min(m, from + micro);
            var rows = org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to);
            INDArray xs = x.get(rows).dup();
            INDArray ys = y.get(rows, org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
            INDArray ws = w.get(rows).dup();
            INDArray ks = keys == null ? null : keys.get(rows, org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
            FineTuneNetwork.Step part = net.gradients(xs, ys, ws, ks, queue, ceNorm, m);
            loss += part.loss();
            ce += part.ce();
            cont += part.contrastive();
            if (sum == null) {
                sum = new LinkedHashMap<>();
                for (Map.Entry<String, INDArray> g : part.gradients().entrySet()) {
                    sum.put(g.getKey(), g.getValue().dup());
                }
            } else {
                for (Map.Entry<String, INDArray> g : part.gradients().entrySet()) {
                    sum.get(g.getKey()).addi(g.getValue());
                }
            }
            xs.close();
            ys.close();
            ws.close();
            if (ks != null) {
                ks.close();
            }
        }
        return new FineTuneNetwork.Step(loss, ce, cont, sum);
    }

    private static INDArray need(ArrayArchive.Contents ck, String key, Path file) throws IOException {
        INDArray a = ck.arrays().get(key);
        if (a == null) {
            throw new IOException("checkpoint " + file + " lacks '" + key + "'");
        }
        return a;
    }

    static ImageBatchIterator iterator(UnlabeledImages images, PreprocessConfig pp, PhaseTwoConfig cfg, long seed,
                                       int epoch, int view, int threads) {
        return ImageBatchIterator.builder(images, pp).batchSize(cfg.batchSize()).threads(threads).shuffle(true)
                .seed(seed).startEpoch(epoch).view(view).augmentation(cfg.augmentation()).build();
    }

    private static void save(org.coft.dl4j.run.RunFolder files, Path file, AdamSteps adam, MomentumEncoder keys, KeyQueue queue, String fingerprint,
                             int epoch) throws IOException {
        Map<String, INDArray> arrays = new LinkedHashMap<>(adam.checkpointArrays());
        ObjectNode meta = JSON.createObjectNode();
        if (keys != null) {
            for (Map.Entry<String, INDArray> e : keys.parameters().entrySet()) {
                arrays.put("key/" + e.getKey(), e.getValue());
            }
            arrays.put("queue", queue.buffer());
            meta.put("queue_next", queue.next());
            meta.put("queue_filled", queue.size());
        }
        meta.put("fingerprint", fingerprint);
        meta.put("epoch", epoch);
        files.writeArchive(file, org.coft.dl4j.run.RunFolder.Kind.WORK, arrays, meta.toString());
    }

    private static String fingerprint(FineTuneNetwork net, String name, long seed, PhaseTwoConfig cfg,
                                      List<String> ids, Map<String, Integer> labelOf) {
        StringBuilder sb = new StringBuilder();
        for (String id : ids) {
            sb.append(id).append('\t').append(labelOf.get(id)).append('\n');
        }
        return AdamSteps.sha256(cfg.toJson() + "|" + name + "|" + seed + "|" + net.parameterNames() + "|" + AdamSteps.sha256(sb.toString()));
    }

}
