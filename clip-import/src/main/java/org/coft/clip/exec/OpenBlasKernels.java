package org.coft.clip.exec;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Chooses the kernel set of ND4J's OpenBLAS for the CPU this process runs on, before ND4J loads it.
 *
 * <p>ND4J M2.1 bundles OpenBLAS 0.3.19, whose CPU detection predates AMD's AVX-512 CPUs (Zen 4 and 5): left to itself it
 * picks an old kernel set there ({@code Barcelona}, SSE-era, on the 2-vCPU EPYC we measure on), and machines are often
 * set up with {@code OPENBLAS_CORETYPE=Haswell} (AVX2) so that one environment serves AVX2 and AVX-512 hosts alike. Every matrix product of our plans is an OpenBLAS
 * {@code sgemm}; on a 2-vCPU AVX-512 EPYC its {@code SkylakeX} kernels run a [2464, 512] × [512, 512] product 1.8×
 * and the text tower's batched attention products 3× faster than the {@code Haswell} ones (docs/benchmarks.md).
 *
 * <p>{@link #apply()} sets {@code OPENBLAS_CORETYPE} in this process's environment (libc {@code setenv}, through JNA)
 * to the widest kernel set the CPU's flags allow — {@code SkylakeX} with AVX-512 F, CD, BW, DQ and VL; {@code Haswell}
 * with AVX2 and FMA; else nothing, OpenBLAS detects — and records the choice in the system property
 * {@value #PROPERTY} (which forked JVMs receive, see {@link #childEnvironment}). The user's choice wins: the property
 * or the environment variable {@value #OVERRIDE} set to {@code env} keeps {@code OPENBLAS_CORETYPE} and OpenBLAS's own
 * detection as they are, and set to a kernel-set name uses that one. It must run before anything loads ND4J's native
 * backend (OpenBLAS reads the variable once, when it is loaded); later it changes nothing, which
 * {@link #loadedCore()} shows. Linux only; elsewhere it does nothing.
 */
public final class OpenBlasKernels {
    /** System property with the choice: {@code auto} (default), {@code env}, or a kernel-set name. */
    public static final String PROPERTY = "coft.openblas.coretype";
    /** Environment variable with the same meaning as {@link #PROPERTY} (the property wins). */
    public static final String OVERRIDE = "COFT_OPENBLAS_CORETYPE";
    static final String VARIABLE = "OPENBLAS_CORETYPE";
    static final Set<String> AVX512 = Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");
    /** Kernel sets of OpenBLAS 0.3.19's x86-64 dynamic builds that can be named. */
    static final Set<String> KNOWN = Set.of("prescott", "core2", "penryn", "dunnington", "nehalem", "athlon",
            "opteron", "opteron_sse3", "barcelona", "nano", "sandybridge", "bulldozer", "piledriver", "haswell",
            "steamroller", "excavator", "zen", "skylakex", "cooperlake", "atom", "bobcat");

    private OpenBlasKernels() {
    }

    /**
     * dlopen flags for libraries this class looks into: RTLD_LAZY | RTLD_NOLOAD, so only a library already in the
     * process, and local. JNA's default adds RTLD_GLOBAL, which for a second handle on ND4J's OpenBLAS would make its
     * symbols global: with two OpenBLAS builds mapped (ND4J's {@code libopenblas_nolapack} and {@code libopenblas}),
     * later lazy bindings then reach the other copy and a ViT-B/32 training step crashed in OpenBLAS's memory
     * management (seen, and caught by a test).
     */
    private static final Map<String, Object> LOOK_ONLY = Map.of(Library.OPTION_OPEN_FLAGS, 0x1 | 0x4);

    /**
     * Sets {@code OPENBLAS_CORETYPE} for this process as described above; returns the kernel set it set, or null where
     * it left the environment as it was (a user's {@code env}, a CPU without AVX2, not Linux, or setenv unavailable).
     *
     * @throws IllegalArgumentException naming a {@value #PROPERTY} / {@value #OVERRIDE} value that is neither
     *                                  {@code auto}, {@code env} nor a kernel set OpenBLAS knows
     */
    public static String apply() {
        String override = System.getProperty(PROPERTY);
        String source = "-D" + PROPERTY;
        if (override == null || override.isBlank()) {
            override = System.getenv(OVERRIDE);
            source = OVERRIDE;
        }
        String core = choose(System.getProperty("os.name"), System.getProperty("os.arch"), cpuFlags(), override,
                source);
        boolean set = core != null && setenv(VARIABLE, core);
        System.setProperty(PROPERTY, set ? core : "env");
        return set ? core : null;
    }

    /** libc's {@code setenv(name, value, 1)}; false where it fails or JNA has no native support here. */
    private static boolean setenv(String name, String value) {
        try {
            Function f = NativeLibrary.getInstance("libc.so.6", LOOK_ONLY).getFunction("setenv");
            return f.invokeInt(new Object[] {name, value, 1}) == 0;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    /**
     * The kernel set for a machine: {@code override} when it names one; null for {@code env}; else by the CPU flags
     * on Linux x86-64 ({@code SkylakeX}, {@code Haswell}, or null).
     */
    static String choose(String os, String arch, Set<String> flags, String override, String source) {
        if (override != null && !override.isBlank() && !override.equalsIgnoreCase("auto")) {
            if (override.equalsIgnoreCase("env")) {
                return null;
            }
            if (!KNOWN.contains(override.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(source + " is '" + override + "'; expected auto, env or an "
                        + "OpenBLAS kernel set (e.g. SkylakeX, Haswell, Zen, Sandybridge)");
            }
            return override;
        }
        boolean linuxAmd64 = os != null && os.toLowerCase(Locale.ROOT).startsWith("linux")
                && ("amd64".equals(arch) || "x86_64".equals(arch));
        if (!linuxAmd64) {
            return null;
        }
        if (flags.containsAll(AVX512)) {
            return "SkylakeX";
        }
        if (flags.contains("avx2") && flags.contains("fma")) {
            return "Haswell";
        }
        return null;
    }

    /**
     * The environment entry a forked JVM needs to use the same kernel set as this process ({@code OPENBLAS_CORETYPE}
     * and its value), or null when this process left the environment as it was. Java's view of the environment (and
     * so {@link ProcessBuilder}'s) is fixed at start-up and does not show {@link #apply()}'s change.
     */
    public static String[] childEnvironment() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank() || p.equalsIgnoreCase("env") || p.equalsIgnoreCase("auto")
                || !KNOWN.contains(p.toLowerCase(Locale.ROOT))) {
            return null;
        }
        return new String[] {VARIABLE, p};
    }

    /**
     * The kernel set the loaded OpenBLAS uses, as its {@code openblas_get_corename()} says (e.g. {@code Haswell},
     * {@code SkylakeX}), or null when no OpenBLAS is loaded in this process yet or the name cannot be read.
     */
    public static String loadedCore() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                String path = line.substring(slash);
                if (Path.of(path).getFileName().toString().startsWith("libopenblas")) {
                    NativeLibrary lib = NativeLibrary.getInstance(path, LOOK_ONLY);
                    Function f = lib.getFunction("openblas_get_corename");
                    String name = (String) f.invoke(String.class, new Object[0]);
                    return name == null ? null : name.trim();
                }
            }
        } catch (IOException | LinkageError | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** The CPU flags of the first processor in /proc/cpuinfo (empty when unreadable). */
    public static Set<String> cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    int colon = line.indexOf(':');
                    return new HashSet<>(Arrays.asList(line.substring(colon + 1).trim().split("\\s+")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: nothing chosen
        }
        return Set.of();
    }
}
