package org.coft.clip.onnx.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Mutation fuzzing of the import path ({@code coft inspect}'s: parse → rewrite → emit): {@value #DEFAULT_MUTANTS}
 * mutants in the default test run, {@code -Dcoft.fuzz.mutants=N} (the {@code fuzz} profile sets 10,000) for the long
 * run. Mutants are imported in forked worker JVMs ({@link FuzzMain}), each in a watchdog thread, so that a native
 * crash, a hang or an out-of-memory is seen and attributed to one mutant. Fails on any outcome but "imported" or
 * "refused with {@code OnnxImportException}", and writes every failing mutant to {@code target/fuzz-failures/} with
 * the line that reproduces it. Run seed: {@code -Dcoft.fuzz.seed} (default 1).
 */
class OnnxFuzzTest {
    static final int DEFAULT_MUTANTS = 240;
    static final long TIMEOUT_SECONDS = 10;

    record Result(int id, Outcome outcome, String line) { }

    /** The fuzzer mutates valid models: every seed imports as it is. */
    @Test
    void everySeedImports() throws Exception {
        Path dir = Files.createTempDirectory("coft-fuzz-seeds");
        for (FuzzSeeds.Seed s : FuzzSeeds.all()) {
            Path f = dir.resolve("seed.onnx");
            Files.write(f, s.bytes());
            try {
                assertTrue(FuzzLoad.load(f, FuzzLoad.bindingFor(s.bytes())) > 0, s.name());
            } catch (org.coft.clip.onnx.OnnxImportException e) {
                throw new AssertionError(s.name() + " does not import: " + e.getMessage(), e);
            }
        }
    }

    @Test
    void mutantsImportOrFailTyped() throws Exception {
        int mutants = Integer.getInteger("coft.fuzz.mutants", DEFAULT_MUTANTS);
        long runSeed = Long.getLong("coft.fuzz.seed", 1L);
        Path target = FuzzSeeds.repoRoot().resolve("clip-import/target");
        Path work = Files.createTempDirectory("coft-fuzz");
        List<Result> results = run(runSeed, 0, mutants, work);
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        List<Result> bad = new ArrayList<>();
        for (Result r : results) {
            counts.merge(r.outcome(), 1, Integer::sum);
            if (!r.outcome().acceptable()) {
                bad.add(r);
            }
        }
        String summary = "fuzz run seed " + runSeed + ": " + results.size() + " mutants, " + counts;
        System.err.println(summary);
        writeReport(target, runSeed, results, bad);
        assertEquals(mutants, results.size(), summary);
        assertTrue(bad.isEmpty(), summary + "\n" + String.join("\n",
                bad.stream().limit(12).map(r -> "  " + r.outcome() + " #" + r.id() + " " + r.line()).toList()));
    }

    /** Runs mutants [from, to) in as many worker JVMs as crashes and hangs need. */
    static List<Result> run(long runSeed, int from, int to, Path work) throws IOException, InterruptedException {
        List<Result> results = new ArrayList<>();
        int next = from;
        while (next < to) {
            Process p = worker(runSeed, next, to, work);
            int started = -1;
            String startedWhat = "";
            boolean done = false;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("S ")) {
                        String[] f = line.split(" ", 3);
                        started = Integer.parseInt(f[1]);
                        startedWhat = f.length > 2 ? f[2] : "";
                    } else if (line.startsWith("R ")) {
                        String[] f = line.split(" ", 4);
                        int id = Integer.parseInt(f[1]);
                        results.add(new Result(id, Outcome.valueOf(f[2]), f.length > 3 ? f[3] : ""));
                        started = -1;
                        next = id + 1;
                    } else if (line.equals("DONE")) {
                        done = true;
                    }
                }
            }
            int rc = p.waitFor();
            if (done) {
                break;
            }
            if (started >= 0) {
                results.add(new Result(started, Outcome.CRASH, startedWhat + " | worker JVM exited with " + rc
                        + " during the import (see " + work + "/hs_err_*.log)"));
                next = started + 1;
            } else if (rc != 3) {
                throw new IllegalStateException("fuzz worker exited with " + rc + " before mutant " + next
                        + "; log: " + work.resolve("worker.log"));
            }
        }
        return results;
    }

    private static Process worker(long runSeed, int from, int to, Path work) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = List.of(java.toString(), "-Xmx768m", "-Dorg.bytedeco.javacpp.maxbytes=2g",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=4g", "-XX:+UseSerialGC", "-XX:ErrorFile=" + work.resolve("hs_err_%p.log"), "-XX:TieredStopAtLevel=1",
                "-cp", cp, FuzzMain.class.getName(), Long.toString(runSeed), Integer.toString(from),
                Integer.toString(to), Long.toString(TIMEOUT_SECONDS), work.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.redirectError(ProcessBuilder.Redirect.appendTo(work.resolve("worker.log").toFile()));
        return pb.start();
    }

    /** {@code target/fuzz-report.txt} (every outcome) and {@code target/fuzz-failures/} (bad mutants, for replay). */
    private static void writeReport(Path target, long runSeed, List<Result> results, List<Result> bad) throws IOException {
        Files.createDirectories(target);
        List<String> lines = new ArrayList<>();
        for (Result r : results) {
            lines.add(r.id() + " " + r.outcome() + " " + r.line());
        }
        Files.write(target.resolve("fuzz-report.txt"), lines, StandardCharsets.UTF_8);
        if (!bad.isEmpty()) {
            Path dir = Files.createDirectories(target.resolve("fuzz-failures"));
            List<FuzzSeeds.Seed> seeds = FuzzSeeds.all();
            for (Result r : bad) {
                FuzzSeeds.Seed s = seeds.get(r.id() % seeds.size());
                var m = OnnxMutator.mutate(s.bytes(), OnnxMutator.parse(s.bytes()), FuzzMain.mutationSeed(runSeed, r.id()));
                Files.write(dir.resolve("seed" + runSeed + "-mutant" + r.id() + ".onnx"), m.bytes());
            }
        }
    }
}
