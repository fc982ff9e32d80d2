package org.coft.clip.onnx.fuzz;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import onnx.Onnx;
import org.coft.clip.onnx.OnnxImportException;

/**
 * The fuzzer's worker, run in a forked JVM so that a native crash kills only it: imports mutants {@code from} to
 * {@code to} (exclusive) of the run {@code runSeed}, each in a watchdog thread, and prints one line before
 * ({@code S <id>}) and one after ({@code R <id> <OUTCOME> <description> | <message>}) every import. The parent
 * ({@link OnnxFuzzTest}) reads the lines; a mutant with an {@code S} and no {@code R} crashed the JVM. After a hang
 * the worker exits (the stuck thread cannot be stopped) and the parent starts a new one after that mutant.
 *
 * <p>Usage: {@code FuzzMain <runSeed> <from> <to> <timeoutSeconds> <workDir>}.
 */
public final class FuzzMain {
    private FuzzMain() {
    }

    public static void main(String[] args) throws Exception {
        long runSeed = Long.parseLong(args[0]);
        int from = Integer.parseInt(args[1]);
        int to = Integer.parseInt(args[2]);
        long timeout = Long.parseLong(args[3]);
        Path work = Path.of(args[4]);
        Files.createDirectories(work);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
        System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream())); // libraries' chatter stays out
        List<FuzzSeeds.Seed> seeds = FuzzSeeds.all();
        Onnx.ModelProto[] models = new Onnx.ModelProto[seeds.size()];
        List<java.util.Map<String, Long>> dims = new java.util.ArrayList<>(java.util.Collections.nCopies(seeds.size(), null));
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-load");
            t.setDaemon(true);
            return t;
        });
        for (int id = from; id < to; id++) {
            int s = id % seeds.size();
            if (models[s] == null) {
                models[s] = OnnxMutator.parse(seeds.get(s).bytes());
                dims.set(s, FuzzLoad.bindingFor(seeds.get(s).bytes()));
            }
            OnnxMutator.Mutant m = OnnxMutator.mutate(seeds.get(s).bytes(), models[s], mutationSeed(runSeed, id));
            Path file = work.resolve("mutant-" + id + ".onnx");
            Files.write(file, m.bytes());
            out.println("S " + id + " " + seeds.get(s).name() + ": " + m.description().replace('\n', ' '));
            java.util.Map<String, Long> bound = dims.get(s);
            Future<Object[]> f = pool.submit(() -> run(file, bound));
            Outcome outcome;
            String message;
            try {
                Object[] r = f.get(timeout, TimeUnit.SECONDS);
                outcome = (Outcome) r[0];
                message = (String) r[1];
            } catch (TimeoutException e) {
                outcome = Outcome.HANG;
                message = "no result after " + timeout + " s";
            }
            out.println("R " + id + " " + outcome + " " + seeds.get(s).name() + ": " + m.description().replace('\n', ' ')
                    + " | " + oneLine(message));
            Files.deleteIfExists(file);
            if (outcome == Outcome.HANG) {
                out.flush();
                Runtime.getRuntime().halt(3);
            }
        }
        out.println("DONE");
        out.flush();
        Runtime.getRuntime().halt(0);
    }

    /** The mutation seed of mutant {@code id} of run {@code runSeed}. */
    static long mutationSeed(long runSeed, int id) {
        return runSeed * 1_000_003L + id;
    }

    private static Object[] run(Path file, java.util.Map<String, Long> dims) {
        try {
            int ops = FuzzLoad.load(file, dims);
            return new Object[] {Outcome.OK, ops + " ops"};
        } catch (OnnxImportException e) {
            return new Object[] {Outcome.TYPED, e.getMessage()};
        } catch (OutOfMemoryError e) {
            return new Object[] {Outcome.OOM, e.toString()};
        } catch (Throwable e) {
            java.io.StringWriter w = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(w));
            return new Object[] {Outcome.UNTYPED, w.toString()};
        }
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String one = s.replace('\n', ' ').replace('\r', ' ');
        return one.length() > 600 ? one.substring(0, 600) + "…" : one;
    }
}
