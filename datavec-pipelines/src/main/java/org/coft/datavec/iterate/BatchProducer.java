package org.coft.datavec.iterate;

import org.coft.datavec.BadInputException;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.SkipReport;
import org.coft.datavec.SkippedInput;
import org.coft.datavec.image.ImageDecodeException;
import org.coft.datavec.source.UnlabeledImages;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Produces batches in a fixed example order, preparing samples on a thread pool up to a window ahead of the
 * consumer (prefetch), or in the caller's thread when there is no pool. Output order never depends on
 * thread timing. Bad inputs met while decoding follow the source's policy: FAIL throws a
 * {@link BadInputException} naming the file; SKIP records it in the source's {@link SkipReport} (and skips it
 * without retrying in later epochs) and fills the batch from the next examples.
 */
final class BatchProducer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BatchProducer.class);
    private static final AtomicInteger POOL_COUNTER = new AtomicInteger();

    private record Pending(int index, Future<float[]> future) {
    }

    private final SamplePreparer preparer;
    private final UnlabeledImages images;
    private final ExecutorService pool;
    private final int window;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private int[] order = new int[0];
    private int epoch;
    private int submitted;
    private boolean failed;

    /**
     * @param threads decoding threads; 1 prepares samples in the consumer's thread (no pool, no prefetch)
     * @param window  how many samples may be prepared ahead of the consumer (at least 1)
     */
    BatchProducer(SamplePreparer preparer, int threads, int window) {
        this.preparer = preparer;
        this.images = preparer.images();
        this.window = Math.max(1, window);
        if (threads > 1) {
            int poolId = POOL_COUNTER.incrementAndGet();
            AtomicInteger threadCounter = new AtomicInteger();
            this.pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "coft-decode-" + poolId + "-" + threadCounter.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        } else {
            this.pool = null;
        }
    }

    /** Starts an epoch over the given example order (indices into the source), dropping any prefetched work. */
    void start(int[] newOrder, int newEpoch) {
        cancelPending();
        this.order = newOrder.clone();
        this.epoch = newEpoch;
        this.submitted = 0;
        this.failed = false;
        fill();
    }

    /**
     * @param n the largest batch size wanted
     * @return the next batch of up to n examples, or null when the epoch is exhausted
     * @throws BadInputException under FAIL when an example cannot be decoded
     */
    ImageBatch next(int n) {
        if (failed) {
            throw new IllegalStateException("the iterator over " + images.description() + " failed earlier in this "
                    + "epoch; call reset() to start a new epoch");
        }
        int len = preparer.sampleLength();
        float[] data = null;
        List<String> ids = new ArrayList<>(n);
        while (ids.size() < n) {
            fill();
            Pending p = pending.poll();
            if (p == null) {
                break;
            }
            float[] sample = await(p);
            if (sample == null) {
                continue;
            }
            if (data == null) {
                data = new float[n * len];
            }
            System.arraycopy(sample, 0, data, ids.size() * len, len);
            ids.add(images.id(p.index()));
        }
        fill();
        if (ids.isEmpty()) {
            return null;
        }
        float[] exact = ids.size() == n ? data : Arrays.copyOf(data, ids.size() * len);
        return new ImageBatch(Nd4j.create(exact, new long[] {ids.size(), 3, preparer.height(), preparer.width()},
                DataType.FLOAT), ids);
    }

    /** @return the prepared sample, or null if it was skipped */
    private float[] await(Pending p) {
        try {
            return p.future() == null ? preparer.prepare(p.index(), epoch) : p.future().get();
        } catch (ImageDecodeException e) {
            return handleBadInput(p.index(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ImageDecodeException bad) {
                return handleBadInput(p.index(), bad);
            }
            fail();
            throw new IllegalStateException("preparing " + images.location(p.index()) + " failed: " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail();
            throw new IllegalStateException("interrupted while waiting for " + images.location(p.index()), e);
        } catch (RuntimeException e) {
            fail();
            throw new IllegalStateException("preparing " + images.location(p.index()) + " failed: " + e, e);
        }
    }

    private float[] handleBadInput(int index, ImageDecodeException e) {
        SkippedInput bad = new SkippedInput(images.location(index), e.kind(), e.reason());
        if (images.badInputPolicy() == BadInputPolicy.FAIL) {
            fail();
            throw new BadInputException(List.of(bad), e);
        }
        if (images.skipReport().add(bad)) {
            LOG.warn("skipped {} (policy SKIP)", bad);
        }
        return null;
    }

    private void fill() {
        while (pending.size() < window && submitted < order.length) {
            int index = order[submitted++];
            if (images.skipReport().contains(images.location(index))) {
                continue;
            }
            int e = epoch;
            pending.add(new Pending(index, pool == null ? null : pool.submit(() -> preparer.prepare(index, e))));
        }
    }

    private void fail() {
        failed = true;
        cancelPending();
    }

    private void cancelPending() {
        for (Pending p : pending) {
            if (p.future() != null) {
                p.future().cancel(true);
            }
        }
        pending.clear();
    }

    @Override
    public void close() {
        cancelPending();
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
