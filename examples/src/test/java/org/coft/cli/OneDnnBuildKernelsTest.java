package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.coft.clip.exec.StaticExecutor;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The plans' quick GELU under ND4J's oneDNN/AVX2 build, the one the coft command loads on AVX2 machines (the test
 * suite itself runs the generic build): there the sigmoid goes through oneDNN's vectorised {@code tanh} by default,
 * and a forward and a forward + backward through it equal SameDiff's own execution to float rounding. Runs in a forked
 * JVM that loads that build; skipped on machines the coft command would not load it on.
 */
class OneDnnBuildKernelsTest {

    @Test
    void quickGeluThroughOneDnnTanhMatchesSameDiff() throws Exception {
        String ext = NativeBuildChoice.choose(System.getProperty("os.name"), System.getProperty("os.arch"),
                NativeBuildChoice.cpuFlags(), true, null);
        assumeTrue(NativeBuildChoice.AVX2.equals(ext), "this CPU/OS does not take ND4J's oneDNN/AVX2 build");
        Map<String, String> on = probe(ext, "auto");
        assertEquals("true", on.get("tanhSigmoid"), "oneDNN's tanh should be chosen under the " + ext + " build");
        assertTrue(on.get("platform").endsWith(ext), "the forked JVM loaded " + on.get("platform"));
        assertEquals("1", on.get("forwardKernels"));
        assertEquals("3", on.get("gradientKernels"), "the bias gradient, quick GELU and its derivative");
        assertTrue(Double.parseDouble(on.get("forwardError")) < 1e-6, "forward relative error " + on);
        assertTrue(Double.parseDouble(on.get("gradientError")) < 1e-5, "gradient relative error " + on);
        Map<String, String> off = probe(ext, "false");
        assertEquals("false", off.get("tanhSigmoid"));
        assertEquals("0", off.get("forwardKernels"), "without the route a forward's gelu is libnd4j's own");
        assertEquals(0.0, Double.parseDouble(off.get("forwardError")), "libnd4j's gelu, bit for bit");
    }

    private static Map<String, String> probe(String ext, String choice) throws IOException, InterruptedException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-D" + NativeBuildChoice.PROPERTY + "=" + ext, "-Dcoft.exec.tanhSigmoid=" + choice,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", cp, Probe.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, p.exitValue(), out);
        Map<String, String> kv = new HashMap<>();
        for (String line : out.split("\\R")) {
            int eq = line.indexOf('=');
            if (line.startsWith("probe.") && eq > 0) {
                kv.put(line.substring(6, eq), line.substring(eq + 1));
            }
        }
        assertTrue(kv.containsKey("gradientError"), "the probe printed no results:\n" + out);
        return kv;
    }

    /** Plans a 64-wide MLP with quick GELU, forward alone and with its gradients, and prints the errors. */
    public static final class Probe {
        public static void main(String[] args) throws IOException {
            Nd4j.getRandom().setSeed(7);
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 64);
            SDVariable w1 = sd.var("w1", Nd4j.randn(DataType.FLOAT, 64, 64).muli(0.5));
            SDVariable b1 = sd.var("b1", Nd4j.randn(DataType.FLOAT, 64).muli(0.5));
            SDVariable w2 = sd.var("w2", Nd4j.randn(DataType.FLOAT, 64, 64).muli(0.2));
            SDVariable h = sd.nn.gelu(sd.nn.biasAdd(x.mmul(w1), b1, false)).rename("h");
            SDVariable z = h.mmul(w2);
            sd.setLossVariables(z.mul(z).sum().mul(0.5).rename("loss"));
            INDArray x0 = Nd4j.randn(DataType.FLOAT, 96, 64).muli(2);
            String platform = "?";
            for (String l : java.nio.file.Files.readAllLines(Path.of("/proc/self/maps"))) {
                if (l.endsWith("/libnd4jcpu.so")) {
                    platform = Path.of(l.substring(l.indexOf('/'))).getParent().getFileName().toString();
                }
            }
            System.out.println("probe.platform=" + platform);
            System.out.println("probe.tanhSigmoid=" + StaticExecutor.sigmoidByTanh());
            try (StaticExecutor plan = StaticExecutor.plan(sd, Map.of("x", x0), List.of("h"), true)) {
                INDArray xi = Nd4j.randn(DataType.FLOAT, 96, 64).muli(2);
                INDArray ref = sd.output(Map.of("x", xi), "h").get("h");
                INDArray ours = plan.run(Map.of("x", xi)).get("h");
                System.out.println("probe.forwardKernels=" + plan.kernelOps());
                System.out.println("probe.forwardError="
                        + ref.sub(ours).amaxNumber().doubleValue() / ref.amaxNumber().doubleValue());
            }
            List<String> params = List.of("w1", "b1", "w2");
            sd.calculateGradients(Map.of("x", x0), params);
            List<String> outs = new ArrayList<>();
            for (String p : params) {
                outs.add(sd.getVariable(p).getGradient().name());
            }
            try (StaticExecutor plan = StaticExecutor.plan(sd.getFunction("grad"), Map.of("x", x0), outs, true)) {
                INDArray xi = Nd4j.randn(DataType.FLOAT, 96, 64).muli(2);
                var ref = sd.calculateGradientsAndOutputs(Map.of("x", xi), List.of("loss"), params);
                Map<String, INDArray> ours = plan.run(Map.of("x", xi));
                double err = 0;
                for (String p : params) {
                    INDArray r = ref.getGradients().get(p);
                    INDArray o = ours.get(sd.getVariable(p).getGradient().name());
                    err = Math.max(err, r.sub(o).amaxNumber().doubleValue() / r.amaxNumber().doubleValue());
                }
                System.out.println("probe.gradientKernels=" + plan.kernelOps());
                System.out.println("probe.gradientError=" + err);
            }
        }
    }
}
