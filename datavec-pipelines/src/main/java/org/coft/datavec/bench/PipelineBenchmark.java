package org.coft.datavec.bench;

import org.coft.clip.preprocess.PreprocessConfig;
import org.coft.datavec.augment.AugmentationConfig;
import org.coft.datavec.image.ClipImagePreprocessor;
import org.coft.datavec.image.DecodedImage;
import org.coft.datavec.image.ImageDecoder;
import org.coft.datavec.image.RgbImage;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Images per second through decode + CLIP preprocessing into {@code [n, 3, S, S]} batches: the plain
 * single-thread path against parallel decoding with prefetch, plus a per-stage breakdown of the single-thread
 * cost. Uses a folder given with {@code --dir}, or generates JPEG photos-sized test images in a temporary folder.
 *
 * <pre>
 * java -cp ... org.coft.datavec.bench.PipelineBenchmark [--dir FOLDER] [--images 256] [--width 500]
 *      [--height 375] [--size 224] [--batch 32] [--threads N] [--epochs 3] [--augment]
 * </pre>
 */
public final class PipelineBenchmark {

    private PipelineBenchmark() {
    }

    /** @param args see the class documentation */
    public static void main(String[] args) throws Exception {
        Path dir = null;
        int images = 256;
        int width = 500;
        int height = 375;
        int size = 224;
        int batch = 32;
        int threads = Runtime.getRuntime().availableProcessors();
        int epochs = 3;
        boolean augment = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--images" -> images = Integer.parseInt(args[++i]);
                case "--width" -> width = Integer.parseInt(args[++i]);
                case "--height" -> height = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--augment" -> augment = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see class docs)");
            }
        }
        boolean generated = dir == null;
        if (generated) {
            dir = Files.createTempDirectory("coft-bench");
            generate(dir, images, width, height);
        }
        try {
            run(dir, size, batch, threads, epochs, augment);
        } finally {
            if (generated) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static void run(Path dir, int size, int batch, int threads, int epochs, boolean augment)
            throws IOException {
        ImageSource source = ImageSources.folder(dir, SourceOptions.defaults());
        PreprocessConfig config = PreprocessConfig.clipDefault(size);
        AugmentationConfig aug = augment ? AugmentationConfig.standard().withColorJitter(0.4, 0.4, 0.4, 0.1) : null;
        int n = source.images().size();
        System.out.printf(Locale.ROOT, "source: %s%nconfig: %s%naugmentation: %s%ncores: %d, batch %d, %d epochs "
                        + "(first is warm-up)%n", source.images().description(), config, aug == null ? "none" : aug,
                Runtime.getRuntime().availableProcessors(), batch, epochs);

        stages(source, config);
        double[] single = throughput(source, config, aug, batch, 1, epochs);
        System.out.printf(Locale.ROOT, "single-thread path:               %8.1f images/s, %.2f CPU-ms/image%n",
                single[0], single[1]);
        double[] parallel = throughput(source, config, aug, batch, threads, epochs);
        System.out.printf(Locale.ROOT, "parallel, %2d threads, prefetch 2: %8.1f images/s, %.2f CPU-ms/image (%.2fx)%n",
                threads, parallel[0], parallel[1], parallel[0] / single[0]);
        System.out.printf(Locale.ROOT, "system load average at end: %.2f (wall-clock rates drop when other work "
                + "shares the cores; CPU-ms/image does not)%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "(%d images per epoch)%n", n);
    }

    private static void stages(ImageSource source, PreprocessConfig config) {
        ClipImagePreprocessor pre = new ClipImagePreprocessor(config);
        int n = Math.min(64, source.images().size());
        long decode = 0;
        long resize = 0;
        long normalize = 0;
        float[] out = new float[3 * config.outputHeight() * config.outputWidth()];
        for (int round = 0; round < 2; round++) {
            decode = 0;
            resize = 0;
            normalize = 0;
            for (int i = 0; i < n; i++) {
                try {
                    long t0 = System.nanoTime();
                    DecodedImage d = source.images().load(i);
                    long t1 = System.nanoTime();
                    RgbImage r = pre.resizeAndCrop(d.image());
                    long t2 = System.nanoTime();
                    pre.normalizeInto(r, out, 0);
                    long t3 = System.nanoTime();
                    decode += t1 - t0;
                    resize += t2 - t1;
                    normalize += t3 - t2;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        System.out.printf(Locale.ROOT, "single-thread stages per image: decode %.2f ms, resize+crop %.2f ms, "
                + "normalise %.2f ms%n", decode / 1e6 / n, resize / 1e6 / n, normalize / 1e6 / n);
    }

    /** @return {images per second (wall clock), process CPU milliseconds per image} */
    private static double[] throughput(ImageSource source, PreprocessConfig config, AugmentationConfig aug, int batch,
                                     int threads, int epochs) {
        try (ImageBatchIterator it = ImageBatchIterator.builder(source.images(), config).batchSize(batch)
                .threads(threads).prefetchBatches(2).augmentation(aug).seed(1).build()) {
            long count = 0;
            long start = 0;
            long cpuStart = 0;
            for (int e = 0; e < epochs; e++) {
                if (e == 1 || epochs == 1) {
                    start = System.nanoTime();
                    cpuStart = processCpuNanos();
                    count = 0;
                }
                while (it.hasNext()) {
                    count += it.nextBatch().size();
                }
                it.reset();
            }
            return new double[] {count / ((System.nanoTime() - start) / 1e9),
                (processCpuNanos() - cpuStart) / 1e6 / count};
        }
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    private static void generate(Path dir, int count, int width, int height) throws IOException {
        Random rnd = new Random(1);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.9f);
        for (int i = 0; i < count; i++) {
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            int phase = rnd.nextInt(100);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int r = (x + phase) * 255 / (width + 100);
                    int g = (y * 255 / height + rnd.nextInt(24)) & 0xFF;
                    int b = (int) (127 + 100 * Math.sin((x * y + phase) / 500.0));
                    img.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
            try (ImageOutputStream out = ImageIO.createImageOutputStream(dir.resolve(String.format(Locale.ROOT,
                    "img%05d.jpg", i)).toFile())) {
                writer.setOutput(out);
                writer.write(null, new IIOImage(img, null, null), param);
            }
        }
        writer.dispose();
    }
}
