package org.coft.cli;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What {@code coft bench} needs to know and set about the process: ND4J's thread counts, which native build is
 * loaded (read from the mapped libraries, so it is what runs rather than what was asked for) and peak RSS.
 * The native backend is a runtime dependency, so its OpenMP knob is reached reflectively.
 */
final class BenchNative {
    private BenchNative() {
    }

    /** Thread counts as ND4J reports them after {@link #applyThreads}. */
    record Settings(int requested, int nd4jMaxThreads, int nd4jMasterThreads, int blasThreads, int ompThreads) {
        String describe() {
            String wait = System.getenv("OMP_WAIT_POLICY");
            return "OpenMP " + (ompThreads < 0 ? "?" : ompThreads) + ", BLAS " + blasThreads + ", max threads "
                    + nd4jMaxThreads + " (master " + nd4jMasterThreads + "), OMP_WAIT_POLICY "
                    + (wait == null ? "unset" : wait);
        }
    }

    static Settings applyThreads(int n, int blas) {
        Nd4j.getEnvironment().setMaxThreads(n);
        Nd4j.getEnvironment().setMaxMasterThreads(n);
        Nd4j.factory().blas().setMaxThreads(blas);
        Object ops = nativeOps();
        int omp = -1;
        if (ops != null) {
            try {
                ops.getClass().getMethod("setOmpNumThreads", int.class).invoke(ops, n);
                omp = (Integer) ops.getClass().getMethod("ompGetMaxThreads").invoke(ops);
            } catch (ReflectiveOperationException e) {
                omp = -1;
            }
        }
        return new Settings(n, Nd4j.getEnvironment().maxThreads(), Nd4j.getEnvironment().maxMasterThreads(),
                Nd4j.factory().blas().getMaxThreads(), omp);
    }

    private static Object nativeOps() {
        try {
            Class<?> holder = Class.forName("org.nd4j.nativeblas.NativeOpsHolder");
            Object h = holder.getMethod("getInstance").invoke(null);
            return holder.getMethod("getDeviceNativeOps").invoke(h);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /**
     * E.g. {@code nd4j-native linux-x86_64-onednn-avx512 (OpenBLAS, oneDNN; GCC 7.5.0)}: the platform folder of
     * the loaded libnd4jcpu.so, the BLAS vendor and the build flags the library reports.
     */
    static String describeBuild() {
        String platform = "?";
        Set<String> libs = new LinkedHashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                Path lib = Path.of(line.substring(slash));
                String name = lib.getFileName().toString();
                if (name.equals("libnd4jcpu.so") && lib.getParent() != null) {
                    platform = lib.getParent().getFileName().toString();
                }
                if (name.startsWith("libdnnl") || name.startsWith("libopenblas") || name.startsWith("libmkl")) {
                    libs.add(name);
                }
            }
        } catch (IOException e) {
            platform = "? (/proc/self/maps unreadable)";
        }
        List<String> flags = new ArrayList<>();
        flags.add(String.valueOf(Nd4j.factory().blas().getBlasVendor()));
        String compiler = "";
        Object ops = nativeOps();
        if (ops != null) {
            try {
                Method m = ops.getClass().getMethod("buildInfo");
                for (String l : String.valueOf(m.invoke(ops)).split("\\R")) {
                    l = l.trim();
                    if (l.startsWith("HAVE_") && !l.equals("HAVE_FLATBUFFERS") && !l.equals("HAVE_OPENBLAS")) {
                        flags.add(l.substring(5));
                    } else if (l.startsWith("GCC")) {
                        compiler = "; " + l.replace("\"", "").replace(":", "");
                    }
                }
            } catch (ReflectiveOperationException e) {
                compiler = "; build info unavailable";
            }
        }
        String core = openBlasCore();
        String kernels = org.coft.clip.exec.OpenBlasKernels.loadedCore();
        String chosen = System.getProperty(org.coft.clip.exec.OpenBlasKernels.PROPERTY);
        return "nd4j-native " + platform + " (" + String.join(", ", flags) + compiler + "; libraries " + libs
                + "; OpenBLAS kernels " + (kernels == null ? "?" : kernels) + ", "
                + (chosen == null || chosen.equals("env") ? "the environment's" : "chosen for this CPU")
                + "; OPENBLAS_CORETYPE at start " + (core == null ? "unset" : core)
                + (org.coft.clip.exec.StaticExecutor.sigmoidByTanh() ? "; quick GELU's sigmoid through oneDNN's tanh"
                : "") + ")";
    }

    /**
     * OPENBLAS_CORETYPE as the process was started with (Java's copy of the environment), which makes OpenBLAS use one
     * kernel set instead of the one its CPU detection picks; null when unset. The coft command replaces it with the
     * CPU's widest kernel set before ND4J loads (OpenBlasKernels), so the kernels in use are printed beside it.
     */
    static String openBlasCore() {
        String v = System.getenv("OPENBLAS_CORETYPE");
        return v == null || v.isBlank() ? null : v;
    }

    /** VmHWM of /proc/self/status in bytes, or -1 where there is none. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] p = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(p[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** CPU seconds used so far: by this process (all threads) and by the whole machine (all CPUs, busy time). */
    record Cpu(double process, double machine) { }

    /** Reads /proc/self/stat and /proc/stat (clock ticks of 1/100 s, as Linux reports them); NaN if unreadable. */
    static Cpu cpu() {
        double self = Double.NaN;
        double machine = Double.NaN;
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            self = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;   // utime, stime (fields 14, 15)
            String cpuLine = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] c = cpuLine.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < c.length && i <= 8; i++) {
                if (i != 4 && i != 5) {   // all but idle and iowait; guest time is already in user
                    busy += Long.parseLong(c[i]);
                }
            }
            machine = busy / 100.0;
        } catch (IOException | RuntimeException e) {
            return new Cpu(self, machine);
        }
        return new Cpu(self, machine);
    }
}
