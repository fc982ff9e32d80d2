package org.coft.clip.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.nd4j.linalg.factory.Nd4j;

/** Which OpenBLAS kernel set a process takes, and that setting it before ND4J loads reaches OpenBLAS. */
class OpenBlasKernelsTest {
    static final Set<String> AVX2 = Set.of("sse4_2", "avx", "avx2", "fma");

    static Set<String> avx512() {
        Set<String> f = new HashSet<>(AVX2);
        f.addAll(OpenBlasKernels.AVX512);
        return f;
    }

    @Test
    void theWidestKernelSetTheCpuFlagsAllow() {
        assertEquals("SkylakeX", OpenBlasKernels.choose("Linux", "amd64", avx512(), null, "x"));
        assertEquals("SkylakeX", OpenBlasKernels.choose("Linux", "x86_64", avx512(), "auto", "x"));
        Set<String> noVl = avx512();
        noVl.remove("avx512vl");
        assertEquals("Haswell", OpenBlasKernels.choose("Linux", "amd64", noVl, null, "x"), "AVX-512 F only");
        assertEquals("Haswell", OpenBlasKernels.choose("Linux", "amd64", AVX2, "", "x"));
        assertNull(OpenBlasKernels.choose("Linux", "amd64", Set.of("avx2"), null, "x"), "no FMA: OpenBLAS detects");
        assertNull(OpenBlasKernels.choose("Linux", "amd64", Set.of(), null, "x"), "no /proc/cpuinfo");
        assertNull(OpenBlasKernels.choose("Mac OS X", "amd64", avx512(), null, "x"));
        assertNull(OpenBlasKernels.choose("Linux", "aarch64", avx512(), null, "x"));
    }

    @Test
    void theUsersChoiceWins() {
        assertNull(OpenBlasKernels.choose("Linux", "amd64", avx512(), "env", "x"), "env keeps the environment");
        assertNull(OpenBlasKernels.choose("Linux", "amd64", avx512(), "ENV", "x"));
        assertEquals("Haswell", OpenBlasKernels.choose("Linux", "amd64", avx512(), "Haswell", "x"));
        assertEquals("zen", OpenBlasKernels.choose("Linux", "amd64", AVX2, "zen", "x"));
        var e = assertThrows(IllegalArgumentException.class,
                () -> OpenBlasKernels.choose("Linux", "amd64", AVX2, "fastest", "COFT_OPENBLAS_CORETYPE"));
        assertEquals("COFT_OPENBLAS_CORETYPE is 'fastest'; expected auto, env or an OpenBLAS kernel set (e.g. "
                + "SkylakeX, Haswell, Zen, Sandybridge)", e.getMessage());
    }

    @Test
    void childrenGetTheChosenSetOnly() {
        String before = System.getProperty(OpenBlasKernels.PROPERTY);
        try {
            System.setProperty(OpenBlasKernels.PROPERTY, "SkylakeX");
            assertArrayEquals(new String[] {"OPENBLAS_CORETYPE", "SkylakeX"}, OpenBlasKernels.childEnvironment());
            System.setProperty(OpenBlasKernels.PROPERTY, "env");
            assertNull(OpenBlasKernels.childEnvironment());
            System.clearProperty(OpenBlasKernels.PROPERTY);
            assertNull(OpenBlasKernels.childEnvironment());
        } finally {
            if (before == null) {
                System.clearProperty(OpenBlasKernels.PROPERTY);
            } else {
                System.setProperty(OpenBlasKernels.PROPERTY, before);
            }
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void theLoadedKernelSetIsReadFromOpenBlas() {
        Nd4j.create(1);
        String core = OpenBlasKernels.loadedCore();
        assertNotNull(core, "openblas_get_corename() of the mapped libopenblas could not be read");
        String env = System.getenv("OPENBLAS_CORETYPE");
        if (env != null && !env.isBlank()) {
            assertEquals(env.toLowerCase(), core.toLowerCase(), "this JVM was started with OPENBLAS_CORETYPE=" + env);
        }
        // reading it must not make OpenBLAS's symbols global (JNA's default RTLD_GLOBAL did, and a second OpenBLAS
        // in the process then bound to them and crashed a ViT-B/32 training step)
        assertThrows(UnsatisfiedLinkError.class,
                () -> com.sun.jna.NativeLibrary.getProcess().getFunction("openblas_get_corename"),
                "openblas_get_corename is visible process-wide after loadedCore()");
    }

    /**
     * In a fresh JVM started with {@code OPENBLAS_CORETYPE=Prescott}: {@link OpenBlasKernels#apply()} before ND4J loads
     * makes OpenBLAS use the chosen set ({@code Sandybridge}: AVX only, present on every x86-64 CI machine), and
     * {@code env} leaves Prescott.
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    void settingItBeforeNd4jLoadsReachesOpenBlas() throws Exception {
        assertEquals("Sandybridge", probe("Sandybridge"));
        assertEquals("Prescott", probe("env"));
    }

    private static String probe(String choice) throws IOException, InterruptedException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-D" + OpenBlasKernels.PROPERTY + "=" + choice));
        String ext = System.getProperty("org.bytedeco.javacpp.platform.extension");
        if (ext != null) {
            cmd.add("-Dorg.bytedeco.javacpp.platform.extension=" + ext);
        }
        cmd.addAll(List.of("-cp", cp, Probe.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OPENBLAS_CORETYPE", "Prescott");
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, p.exitValue(), out);
        for (String line : out.split("\\R")) {
            if (line.startsWith("kernels=")) {
                return line.substring(8);
            }
        }
        throw new AssertionError("no kernels= line in the probe's output:\n" + out);
    }

    /** Applies the choice, loads ND4J, prints the kernel set OpenBLAS reports. */
    public static final class Probe {
        public static void main(String[] args) {
            OpenBlasKernels.apply();
            Nd4j.create(1);
            System.out.println("kernels=" + OpenBlasKernels.loadedCore());
        }
    }
}
