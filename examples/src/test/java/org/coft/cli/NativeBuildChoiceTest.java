package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which native build the coft command picks, per machine, and that the AVX2 build is packaged. */
class NativeBuildChoiceTest {
    static final Set<String> AVX2 = Set.of("sse4_2", "avx", "avx2", "fma");

    @Test
    void avx2AndFmaOnLinuxAmd64TakeTheOneDnnBuild() {
        assertEquals("-onednn-avx2", NativeBuildChoice.choose("Linux", "amd64", AVX2, true, null));
        assertEquals("-onednn-avx2", NativeBuildChoice.choose("Linux", "amd64", AVX2, true, "auto"));
    }

    @Test
    void anythingElseKeepsTheGenericBuild() {
        assertEquals("", NativeBuildChoice.choose("Linux", "amd64", Set.of("sse4_2", "avx"), true, null));
        assertEquals("", NativeBuildChoice.choose("Linux", "amd64", Set.of("avx2"), true, null), "FMA missing");
        assertEquals("", NativeBuildChoice.choose("Linux", "amd64", AVX2, false, null), "build not in the jar");
        assertEquals("", NativeBuildChoice.choose("Mac OS X", "amd64", AVX2, true, null));
        assertEquals("", NativeBuildChoice.choose("Linux", "aarch64", AVX2, true, null));
        assertEquals("", NativeBuildChoice.choose("Linux", "amd64", Set.of(), true, null), "no /proc/cpuinfo");
        assertEquals("", NativeBuildChoice.choose("Linux", "amd64", AVX2, true, "generic"));
    }

    @Test
    void anUnknownOverrideIsNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> NativeBuildChoice.choose("Linux", "amd64", AVX2, true, "fast"));
        assertEquals("COFT_ND4J_BUILD is 'fast'; expected auto or generic", e.getMessage());
    }

    @Test
    void theTestsRunOnTheBuildTheirPropertyNames() throws Exception {
        String ext = System.getProperty(NativeBuildChoice.PROPERTY);
        assertNotNull(ext, "the surefire configuration must name the native build (root pom argLine)");
        org.nd4j.linalg.factory.Nd4j.create(1);
        String want = "/linux-x86_64" + ext + "/libnd4jcpu.so";
        boolean mapped = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps")).stream()
                .anyMatch(l -> l.endsWith(want));
        org.junit.jupiter.api.Assertions.assertTrue(mapped, "libnd4jcpu.so of " + want + " is not the one loaded");
    }

    @Test
    void theAvx2BuildIsOnTheClassPathThatTheJarIsMadeOf() {
        assertNotNull(NativeBuildChoice.class.getClassLoader().getResource(NativeBuildChoice.RESOURCE),
                NativeBuildChoice.RESOURCE + " is missing: the examples module must depend on nd4j-native's "
                        + "-onednn-avx2 classifier");
    }
}
