package org.coft.dl4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.BadInputException;
import org.coft.datavec.SkippedInput;
import org.coft.datavec.iterate.ImageBatch;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.pass.ImagePass;
import org.coft.dl4j.pass.ModelFiles;
import org.coft.dl4j.pass.PassFunction;
import org.coft.dl4j.pass.PassRows;
import org.coft.dl4j.pass.RemoteModel;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.train.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link ImagePass} on Apache Spark: the batches go to the executors in contiguous partitions, each executor reads
 * its images from the {@link ImageSourceSpec}, runs the function's model (its files broadcast once, loaded once per
 * executor JVM) and sends back the rows; the driver puts them in order. Results equal {@link ImagePass#LOCAL}'s bit for
 * bit, because the batches are the local ones:
 * <ol>
 *   <li>first every batch is a block of {@code batch} consecutive images (the local batches when no image is
 *   unreadable);</li>
 *   <li>when some image was skipped (policy SKIP), the local iterator fills a batch from the next images instead, so
 *   every batch from the first short block on is run again with exactly the local make-up.</li>
 * </ol>
 * Under policy FAIL an unreadable image fails the pass with the local {@link BadInputException}. Skipped images are
 * recorded in the driver's source's skip report, as the local pass does. A task that fails is retried by Spark (as
 * many times as the master allows, e.g. {@code local[2,3]}); a retried batch gives the same rows.
 */
public final class SparkPass implements ImagePass {
    private static final Logger LOG = LoggerFactory.getLogger(SparkPass.class);

    private final JavaSparkContext sc;
    private final ImageSourceSpec source;
    private final int partitions;

    /**
     * @param sc         the Spark context (the caller owns it)
     * @param source     how executors open the images every pass of this object reads (the driver's images must be
     *                   that view or a subset of it, matched by id)
     * @param partitions how many partitions a pass is cut into (at most one per batch); 0: Spark's default parallelism
     */
    public SparkPass(JavaSparkContext sc, ImageSourceSpec source, int partitions) {
        if (sc == null || source == null) {
            throw new IllegalArgumentException("a Spark pass needs a Spark context and an image source");
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("partitions: " + partitions + " (0 for Spark's default parallelism, or more)");
        }
        this.sc = sc;
        this.source = source;
        this.partitions = partitions;
    }

    @Override
    public String describe() {
        return "spark " + sc.master() + ", " + (partitions == 0 ? sc.defaultParallelism() : partitions)
                + " partition(s)";
    }

    /** One batch to run: positions in the source view. */
    record Block(int[] positions) implements Serializable { }

    /** What an executor sends back for a block: the positions it read, its outputs, the images it skipped. */
    record BlockOut(int[] read, byte[][] outputs, List<SkippedInput> skipped) implements Serializable { }

    @Override
    public Result run(UnlabeledImages images, PreprocessConfig preprocess, int batch, int threads, PassFunction fn,
                      List<? extends TrainingListener> listeners, String task) throws IOException {
        if (batch < 1) {
            throw new IllegalArgumentException("batch: " + batch + " (expected at least 1)");
        }
        RemoteModel remote = fn.remote();
        int[] positions = positionsOf(images);
        ImagePass.progress(listeners, task, 0, images.size());
        ModelFiles files = ModelFiles.of(remote);
        Broadcast<ModelFiles> shipped = sc.broadcast(files);
        long t = System.nanoTime();
        try {
            List<Block> blocks = blocks(positions, batch);
            List<BlockOut> outs = runBlocks(blocks, shipped, remote, preprocess, threads);
            // the local batches: the readable images in order, cut every `batch`
            int[] readArr = outs.stream().flatMapToInt(o -> java.util.Arrays.stream(o.read())).toArray();
            List<Block> local = blocks(readArr, batch);
            int first = 0;
            while (first < outs.size() && first < local.size()
                    && java.util.Arrays.equals(outs.get(first).read(), local.get(first).positions())) {
                first++;
            }
            List<BlockOut> result = new ArrayList<>(outs.subList(0, Math.min(first, outs.size())));
            if (first < local.size()) {
                LOG.info("{}: {} image(s) skipped; the {} batch(es) after the first short one run again with the local "
                        + "iterator's make-up", task, positions.length - readArr.length, local.size() - first);
                List<BlockOut> again = runBlocks(local.subList(first, local.size()), shipped, remote, preprocess, threads);
                for (int i = 0; i < again.size(); i++) {
                    if (!java.util.Arrays.equals(again.get(i).read(), local.get(first + i).positions())) {
                        throw new IOException("an image of " + images.description() + " became unreadable during the "
                                + "pass (batch " + (first + i) + "); run it again");
                    }
                }
                result.addAll(again);
            }
            recordSkips(images, outs);
            Result r = assemble(images, WorkerCache.source(source), result);
            ImagePass.progress(listeners, task, images.size(), images.size());
            LOG.info("{}: {} images in {} batches on {} in {} ms", task, r.ids().size(), result.size(), describe(),
                    (System.nanoTime() - t) / 1_000_000);
            return r;
        } finally {
            shipped.destroy();
        }
    }

    private List<BlockOut> runBlocks(List<Block> blocks, Broadcast<ModelFiles> shipped, RemoteModel remote,
                                     PreprocessConfig preprocess, int threads) throws IOException {
        if (blocks.isEmpty()) {
            return List.of();
        }
        int n = Math.max(1, Math.min(blocks.size(), partitions == 0 ? sc.defaultParallelism() : partitions));
        try {
            return sc.parallelize(blocks, n)
                    .mapPartitions(new RunBlocks(source, remote, shipped, preprocess.toJson(), threads), true)
                    .collect();
        } catch (Exception e) { // SparkException is thrown undeclared through the Java API
            throw unwrap(e);
        }
    }

    /** The executor's side: reads each block's images, runs the model, sends back rows. */
    private record RunBlocks(ImageSourceSpec source, RemoteModel remote, Broadcast<ModelFiles> files,
                             String preprocessJson, int threads) implements FlatMapFunction<Iterator<Block>, BlockOut> {
        @Override
        public Iterator<BlockOut> call(Iterator<Block> blocks) throws Exception {
            UnlabeledImages view = WorkerCache.source(source);
            WorkerCache.Model model = WorkerCache.model(remote, files.value());
            PreprocessConfig pp = PreprocessConfig.fromJson(preprocessJson);
            List<BlockOut> out = new ArrayList<>();
            while (blocks.hasNext()) {
                Block b = blocks.next();
                UnlabeledImages sub = ImageViews.subset(view, b.positions());
                ImageBatch batch = null;
                try (ImageBatchIterator it = ImageBatchIterator.builder(sub, pp).batchSize(b.positions().length)
                        .threads(threads).build()) {
                    if (it.hasNext()) {
                        batch = it.nextBatch();
                    }
                }
                int[] read;
                byte[][] rows;
                if (batch == null) {
                    read = new int[0];
                    rows = new byte[0][];
                } else {
                    read = new int[batch.size()];
                    int j = 0;
                    for (int k = 0; k < b.positions().length && j < read.length; k++) {
                        if (view.id(b.positions()[k]).equals(batch.ids().get(j))) {
                            read[j++] = b.positions()[k];
                        }
                    }
                    INDArray[] o = model.apply(batch.images());
                    rows = new byte[o.length][];
                    for (int i = 0; i < o.length; i++) {
                        rows[i] = o[i] == null ? null : Nd4j.toByteArray(o[i]);
                    }
                    batch.images().close();
                }
                List<SkippedInput> skipped = new ArrayList<>();
                if (read.length < b.positions().length) {
                    java.util.Set<Integer> got = new java.util.HashSet<>();
                    for (int p : read) {
                        got.add(p);
                    }
                    for (int p : b.positions()) {
                        if (!got.contains(p)) {
                            String where = view.location(p);
                            view.skipReport().entries().stream().filter(s -> s.location().equals(where)).findFirst()
                                    .ifPresent(skipped::add);
                        }
                    }
                }
                out.add(new BlockOut(read, rows, skipped));
            }
            return out.iterator();
        }
    }

    /** The positions, cut into blocks of {@code batch}. */
    private static List<Block> blocks(int[] positions, int batch) {
        List<Block> out = new ArrayList<>();
        for (int from = 0; from < positions.length; from += batch) {
            out.add(new Block(java.util.Arrays.copyOfRange(positions, from, Math.min(positions.length, from + batch))));
        }
        return out;
    }

    /** Where each of {@code images} is in the source view (by id). */
    private int[] positionsOf(UnlabeledImages images) throws IOException {
        UnlabeledImages view = WorkerCache.source(source);
        Map<String, Integer> pos = new HashMap<>();
        for (int i = 0; i < view.size(); i++) {
            pos.put(view.id(i), i);
        }
        int[] out = new int[images.size()];
        for (int i = 0; i < images.size(); i++) {
            Integer p = pos.get(images.id(i));
            if (p == null) {
                throw new IllegalArgumentException("image " + images.id(i) + " of " + images.description()
                        + " is not in the Spark pass's source " + source.data() + " (" + view.size() + " images)");
            }
            out[i] = p;
        }
        return out;
    }

    /** Adds the executors' skips to the driver's report, in image order (what the local pass records). */
    private static void recordSkips(UnlabeledImages images, List<BlockOut> outs) {
        for (BlockOut o : outs) {
            for (SkippedInput s : o.skipped()) {
                if (images.skipReport().add(s)) {
                    LOG.warn("skipped {} (policy SKIP)", s);
                }
            }
        }
    }

    private static Result assemble(UnlabeledImages images, UnlabeledImages view, List<BlockOut> blocks)
            throws IOException {
        PassRows rows = new PassRows();
        for (BlockOut b : blocks) {
            if (b.read().length == 0) {
                continue;
            }
            INDArray[] outputs = new INDArray[b.outputs().length];
            for (int i = 0; i < outputs.length; i++) {
                outputs[i] = b.outputs()[i] == null ? null : Nd4j.fromByteArray(b.outputs()[i]);
            }
            rows.add(java.util.Arrays.stream(b.read()).mapToObj(view::id).toList(), outputs);
        }
        return rows.result(images);
    }

    /** The exception a failed job stands for: the executor's bad-input or I/O failure when there is one. */
    private static IOException unwrap(Exception e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof BadInputException bad) {
                throw bad;
            }
            if (c instanceof java.io.UncheckedIOException io) {
                return io.getCause();
            }
        }
        if (e instanceof SparkException) {
            return new IOException("Spark job failed: " + e.getMessage(), e);
        }
        if (e instanceof RuntimeException r) {
            throw r;
        }
        return new IOException(e.getMessage(), e);
    }
}
