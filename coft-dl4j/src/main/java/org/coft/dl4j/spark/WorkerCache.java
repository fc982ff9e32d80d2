package org.coft.dl4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.pass.ModelFiles;
import org.coft.dl4j.pass.RemoteModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an executor JVM keeps between tasks: the last models loaded (once per model files and key) and each image
 * source opened once. A loaded model serves one batch at a time ({@link Model#apply} is synchronised): ND4J already spreads
 * one batch over the executor's cores, so run one task per executor JVM ({@code spark.task.cpus} = executor cores).
 */
final class WorkerCache {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerCache.class);
    /** The models loaded last (a pass's model is used by all its tasks; an adaptation goes through several). */
    private static final int KEEP_MODELS = 2;
    private static final Map<String, Model> MODELS = new java.util.LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Model> eldest) {
            return size() > KEEP_MODELS;
        }
    };
    private static final Map<ImageSourceSpec, UnlabeledImages> SOURCES = new ConcurrentHashMap<>();

    private WorkerCache() {
    }

    /** A loaded model, used by one task at a time. */
    static final class Model {
        private final RemoteModel.Loaded loaded;

        private Model(RemoteModel.Loaded loaded) {
            this.loaded = loaded;
        }

        synchronized org.nd4j.linalg.api.ndarray.INDArray[] apply(org.nd4j.linalg.api.ndarray.INDArray pixels) {
            return loaded.apply(pixels);
        }
    }

    static Model model(RemoteModel remote, ModelFiles files) {
        String key = files.sha256() + " " + remote.key();
        synchronized (MODELS) {
            return MODELS.computeIfAbsent(key, k -> load(remote, files));
        }
    }

    /** Writes the files to a temporary folder, builds the model from them (it reads them whole), deletes them. */
    private static Model load(RemoteModel remote, ModelFiles files) {
        Path root = null;
        try {
            root = Files.createTempDirectory("coft-spark-model-");
            files.writeTo(root);
            long t = System.nanoTime();
            Model m = new Model(remote.load(root));
            LOG.info("executor: loaded {} ({} bytes of files) in {} ms", remote.key().split(" ")[0], files.size(),
                    (System.nanoTime() - t) / 1_000_000);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("executor: cannot load the model " + remote.key() + ": " + e.getMessage(), e);
        } finally {
            if (root != null) {
                deleteQuietly(root);
            }
        }
    }

    private static void deleteQuietly(Path root) {
        try (var s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete the temporary model files in {}: {}", root, e.toString());
        }
    }

    static UnlabeledImages source(ImageSourceSpec spec) {
        return SOURCES.computeIfAbsent(spec, s -> {
            try {
                return s.open();
            } catch (IOException e) {
                throw new UncheckedIOException("executor: cannot open " + s.data() + ": " + e.getMessage(), e);
            }
        });
    }
}
