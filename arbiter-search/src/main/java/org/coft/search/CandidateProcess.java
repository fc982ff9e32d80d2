package org.coft.search;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.coft.datavec.BadInputPolicy;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.adapt.CoftConfig;
import org.coft.dl4j.adapt.Method;
import org.coft.dl4j.phase1.ImageViews;

/**
 * One search candidate in a child JVM. The parent ({@link CoftCandidates#forked}) writes the candidate's config to
 * {@value #CONFIG} in its folder and starts {@code java -cp <the parent's class path> org.coft.search.CandidateProcess
 * --dir DIR ...} with the parent's JVM options and its {@code org.bytedeco.*} / {@code coft.*} system properties (the
 * native build the parent chose); the child opens the same inputs, runs the candidate, and writes the evidence to
 * {@value #EVIDENCE} (Java serialisation; parent and child are the same build). Its output goes to {@value #LOG}.
 *
 * <p>Why a process per candidate: in one JVM the resident memory grew by 0.25–0.6 GB per candidate (native ND4J
 * buffers and allocator arenas that a finished candidate does not give back; measured on fashion-zoom), which a
 * 20-candidate search on the 24 GB CI machine would not survive at ViT-B sizes. A process returns all of it.
 */
public final class CandidateProcess {
    static final String CONFIG = "candidate-config.json";
    static final String EVIDENCE = "evidence.ser";
    static final String LOG = "process.log";

    private CandidateProcess() {
    }

    /** Parent side: runs the candidate in a child JVM and reads its evidence back. */
    static Objective.Evidence fork(CoftCandidates c, CoftConfig cfg, Path dir, Integer from) throws Exception {
        Path abs = dir.toAbsolutePath();
        org.coft.dl4j.train.ArrayArchive.writeString(abs.resolve(CONFIG), cfg.toJson());
        Path classes = abs.resolve("search-classes.txt");
        org.coft.dl4j.train.ArrayArchive.writeString(classes, String.join("\n", c.classNames()) + "\n");
        Files.deleteIfExists(abs.resolve(EVIDENCE));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xrunjdwp")) {
                cmd.add(a);
            }
        }
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("org.bytedeco.") || k.startsWith("coft.") || k.startsWith("org.slf4j.")) {
                cmd.add("-D" + k + "=" + System.getProperty(k));
            }
        }
        cmd.add("-cp");
        cmd.add(absoluteClassPath());
        cmd.add(CandidateProcess.class.getName());
        cmd.addAll(c.childArguments());
        cmd.addAll(List.of("--classes", classes.toString(), "--dir", abs.toString()));
        if (from != null) {
            cmd.addAll(List.of("--phase1-from", Integer.toString(from)));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(abs.resolve(LOG).toFile()));
        // the OpenBLAS kernel set this process chose (set in its own environment, which Java's copy does not show)
        String[] blas = org.coft.clip.exec.OpenBlasKernels.childEnvironment();
        if (blas != null) {
            pb.environment().put(blas[0], blas[1]);
        }
        Process p = pb.start();
        int code;
        try {
            code = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw e;
        }
        if (code != 0 || !Files.isRegularFile(abs.resolve(EVIDENCE))) {
            throw new IOException("the candidate's process ended with exit code " + code + ": " + lastLines(
                    abs.resolve(LOG)) + " (whole output: " + abs.resolve(LOG) + ")");
        }
        return CoftSearch.readEvidence(abs.resolve(EVIDENCE)); // the folder may be a candidate's or a replicate's
    }

    private static String absoluteClassPath() {
        List<String> parts = new ArrayList<>();
        for (String s : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!s.isEmpty()) {
                parts.add(Path.of(s).toAbsolutePath().toString());
            }
        }
        return String.join(java.io.File.pathSeparator, parts);
    }

    private static String lastLines(Path log) {
        try {
            List<String> l = Files.readAllLines(log).stream().filter(x -> !x.isBlank()).toList();
            return String.join(" | ", l.subList(Math.max(0, l.size() - 3), l.size()));
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** Child side. Exit 0 with {@value #EVIDENCE} written, 1 with the reason on stderr. */
    public static void main(String[] args) {
        try {
            run(args);
            System.exit(0);
        } catch (Exception | Error e) {
            System.err.println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            e.printStackTrace();
            System.exit(1);
        }
    }

    static void run(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("argument " + args[i] + ": expected --name value pairs");
            }
            a.put(args[i].substring(2), args[i + 1]);
        }
        for (String k : List.of("method", "data", "seed", "threads", "bad-images", "classes", "dir")) {
            if (!a.containsKey(k)) {
                throw new IllegalArgumentException("missing --" + k);
            }
        }
        Method m = Method.parse(a.get("method"));
        Path dir = Path.of(a.get("dir"));
        ClassList cl = ClassList.fromFile(Path.of(a.get("classes")));
        BadInputPolicy policy = BadInputPolicy.parse(a.get("bad-images"));
        ImageSource source = ImageSources.open(a.get("data"), SourceOptions.defaults().withBadInput(policy)
                .withClasses(cl));
        UnlabeledImages images = ImageViews.byFileName(source.images());
        boolean embedded = a.containsKey("embedded-model");
        Path model = Path.of(embedded ? a.get("embedded-model") : a.get("model"));
        CoftCandidates.Validation val = null;
        if (a.containsKey("validation")) {
            ImageSource vs = ImageSources.open(a.get("validation"), SourceOptions.defaults().withBadInput(policy)
                    .withClasses(cl));
            var labels = vs.evaluationLabels().orElseThrow(() -> new IllegalArgumentException("--validation "
                    + a.get("validation") + " has no labels"));
            val = new CoftCandidates.Validation(ImageViews.byFileName(vs.images()), labels::labelOf);
        }
        CoftConfig cfg = CoftConfig.read(dir.resolve(CONFIG), CoftConfig.defaults(m));
        java.io.PrintWriter quiet = new java.io.PrintWriter(System.out, true);
        CoftCandidates c = new CoftCandidates(m, new Adaptation.BaseModel(model, embedded), images, a.get("data"),
                cl.names(), Long.parseLong(a.get("seed")), Integer.parseInt(a.get("threads")), quiet, val);
        Integer from = a.containsKey("phase1-from") ? Integer.valueOf(a.get("phase1-from")) : null;
        CoftSearch.writeEvidence(dir, c.runHere(cfg, dir, from));
    }
}
