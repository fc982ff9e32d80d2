package org.coft.cli;

import java.util.Set;

/**
 * Chooses, before ND4J loads, which of the native builds in the jar the {@code coft} command runs on: ND4J's
 * oneDNN/AVX2 build on Linux x86-64 CPUs with AVX2 and FMA (measured 15–20 % faster per training step than the generic
 * build on the 2-core machine, docs/benchmarks.md), else the generic build, which runs on any x86-64 CPU. Loading the
 * AVX2 build on a CPU without AVX2 would stop the process with an illegal instruction, hence the check.
 *
 * <p>The property is always set, also to the empty string for the generic build: without it javacpp loads the first
 * build of the preset's extension list that the class path holds, which is the AVX2 one.
 *
 * <p>A user's own choice wins: the javacpp property {@value #PROPERTY} (any value, also empty = generic) is left as
 * given, and {@code COFT_ND4J_BUILD=generic} keeps the generic build.
 */
final class NativeBuildChoice {
    static final String PROPERTY = "org.bytedeco.javacpp.platform.extension";
    static final String AVX2 = "-onednn-avx2";
    static final String RESOURCE = "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64" + AVX2 + "/libnd4jcpu.so";

    private NativeBuildChoice() {
    }

    /** Sets {@value #PROPERTY} for this process when the AVX2 build applies; returns the extension chosen. */
    static String apply() {
        if (System.getProperty(PROPERTY) != null) {
            return System.getProperty(PROPERTY);
        }
        String ext = choose(System.getProperty("os.name"), System.getProperty("os.arch"), cpuFlags(),
                NativeBuildChoice.class.getClassLoader().getResource(RESOURCE) != null,
                System.getenv("COFT_ND4J_BUILD"));
        // set even when empty: without the property javacpp loads the first build of the preset's list that it
        // finds in the jar (the AVX2 one), whatever the CPU
        System.setProperty(PROPERTY, ext);
        return ext;
    }

    /**
     * The extension for a machine: {@value #AVX2} on Linux amd64 with the {@code avx2} and {@code fma} CPU flags and
     * that build in the jar, unless {@code override} is {@code generic}; else the empty string (generic build).
     *
     * @throws IllegalArgumentException when {@code override} is neither null, {@code generic} nor {@code auto}
     */
    static String choose(String os, String arch, Set<String> flags, boolean avx2BuildPresent, String override) {
        if (override != null && !override.isBlank()) {
            if (override.equals("generic")) {
                return "";
            }
            if (!override.equals("auto")) {
                throw new IllegalArgumentException("COFT_ND4J_BUILD is '" + override + "'; expected auto or generic");
            }
        }
        boolean linuxAmd64 = os != null && os.toLowerCase().startsWith("linux") && ("amd64".equals(arch)
                || "x86_64".equals(arch));
        return linuxAmd64 && avx2BuildPresent && flags.contains("avx2") && flags.contains("fma") ? AVX2 : "";
    }

    /** The CPU flags of the first processor in /proc/cpuinfo (empty when unreadable: the generic build is kept). */
    static Set<String> cpuFlags() {
        return org.coft.clip.exec.OpenBlasKernels.cpuFlags();
    }
}
