package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code coft bench} runs on the tiny committed fixture and reports both runtimes, a ratio and agreement. */
class BenchCommandTest {
    private static final Path TINY = Path.of("..", "fixtures", "clip-tiny-hf");

    @Test
    void reportsBothRuntimesRatioAndAgreement() {
        assertTrue(Files.isDirectory(TINY), "fixture " + TINY.toAbsolutePath() + " is missing");
        StringWriter sw = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new CoftCli()).setOut(new PrintWriter(sw)).setErr(new PrintWriter(err))
                .execute("bench", "--model", TINY.toString(), "--batch", "3", "--iters", "1", "--warmup", "0",
                        "--threads", "1", "--profile", "--top", "3");
        String out = sw.toString();
        assertEquals(0, code, "exit code; stdout:\n" + out + "\nstderr:\n" + err);
        for (String tower : new String[] {"image", "text"}) {
            String unit = tower.equals("image") ? "images/s" : "texts/s";
            assertTrue(Pattern.compile("(?m)^" + tower + "\\s+ours\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+ " + unit).matcher(out).find(), out);
            assertTrue(Pattern.compile("(?m)^" + tower + "\\s+ORT\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+ " + unit).matcher(out).find(), out);
            Matcher m = Pattern.compile(tower + ": ours/ORT throughput ratio ([0-9.]+); max abs diff ([0-9.eE+-]+)")
                    .matcher(out);
            assertTrue(m.find(), out);
            assertTrue(Double.parseDouble(m.group(1)) > 0, out);
            // the two runtimes compute the same function on the same inputs
            assertTrue(Double.parseDouble(m.group(2)) < 1e-4, "outputs disagree:\n" + out);
            // the profile times the ops the forward really runs (static plans by default): never an empty table
            Matcher p = Pattern.compile("profile, our " + tower + " tower: one forward at batch 3, ([0-9]+) ops")
                    .matcher(out);
            assertTrue(p.find() && Integer.parseInt(p.group(1)) > 50, out);
            assertTrue(Pattern.compile("(?m)^  matmul\\s+[1-9][0-9]*\\s+[0-9.]+").matcher(out).find(), out);
        }
        assertTrue(out.contains("ND4J native build: nd4j-native linux-x86_64"), out);
        assertTrue(Pattern.compile("peak RSS \\(VmHWM\\): [1-9][0-9]* MiB").matcher(out).find(), out);
    }

    @Test
    void timesBothTrainingStepsAndEndsWithTheirThroughput() {
        for (String visual : new String[] {"vpt-deep", "none"}) {
            StringWriter sw = new StringWriter();
            StringWriter err = new StringWriter();
            boolean profile = visual.equals("none");
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("bench", "--train", "--model",
                    TINY.toString(), "--batch", "2", "--iters", "1", "--warmup", "1", "--threads", "1", "--visual",
                    visual));
            if (profile) {
                args.addAll(java.util.List.of("--profile", "--top", "4"));
            }
            int code = new CommandLine(new CoftCli()).setOut(new PrintWriter(sw)).setErr(new PrintWriter(err))
                    .execute(args.toArray(new String[0]));
            String out = sw.toString();
            assertEquals(0, code, "exit code; stdout:\n" + out + "\nstderr:\n" + err);
            Pattern step = Pattern.compile("(?m)^phase (II|I) step .*batch 2: median [0-9.]+ ms/step, min [0-9.]+ .* [0-9.]+ images/s; "
                    + "ops forward ([1-9][0-9]*), backward ([1-9][0-9]*); peak RSS [1-9][0-9]* MiB");
            Matcher m = step.matcher(out);
            int steps = 0;
            while (m.find()) {
                steps++;
                // a backward pass has more ops than its forward
                assertTrue(Integer.parseInt(m.group(3)) > Integer.parseInt(m.group(2)), out);
            }
            assertEquals(2, steps, out);
            assertTrue(out.contains("visual " + visual), out);
            // the Phase II step's plan timed op by op: a non-empty table, backward ops among the costliest
            Matcher pm = Pattern.compile("profile, phase II step \\(forward, loss and backward; not the Adam update\\): "
                    + "batch 2, ([0-9]+) ops").matcher(out);
            assertEquals(profile, pm.find(), out);
            if (profile) {
                assertTrue(Integer.parseInt(pm.group(1)) > 100, out);
                assertTrue(out.contains("_bp "), out);
            }
            String[] lines = out.strip().split("\\R");
            assertTrue(lines[lines.length - 1].matches("train-step images/s=[0-9]+\\.[0-9]+"), out);
        }
    }

    @Test
    void timesATensorFlowModelAgainstItsOnnxPeerAndAloneWithoutOne() {
        Path tf = Path.of("..", "models", "micro-clip-tf");
        Path onnx = Path.of("..", "models", "micro-clip");
        StringWriter sw = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new CoftCli()).setOut(new PrintWriter(sw)).setErr(new PrintWriter(err))
                .execute("bench", "--model", tf.toString(), "--peer", onnx.toString(), "--batch", "3", "--iters", "1",
                        "--warmup", "0", "--threads", "1");
        String out = sw.toString();
        assertEquals(0, code, "exit code; stdout:\n" + out + "\nstderr:\n" + err);
        for (String tower : new String[] {"image", "text"}) {
            Matcher m = Pattern.compile(tower + ": ours/ORT throughput ratio ([0-9.]+); max abs diff ([0-9.eE+-]+) "
                    + "\\(max \\|ORT output\\| ([0-9.eE+-]+)\\) after L2-normalising each row").matcher(out);
            assertTrue(m.find(), out);
            // the TF graph's embeddings are L2-normalised, the ONNX towers' not: equal after normalising rows
            assertTrue(Double.parseDouble(m.group(2)) < 1e-4, "outputs disagree:\n" + out);
            assertTrue(Double.parseDouble(m.group(3)) > 0.05 && Double.parseDouble(m.group(3)) <= 1.0 + 1e-6, out);
        }

        sw = new StringWriter();
        code = new CommandLine(new CoftCli()).setOut(new PrintWriter(sw)).setErr(new PrintWriter(err))
                .execute("bench", "--model", tf.toString(), "--batch", "2", "--iters", "1", "--warmup", "0",
                        "--threads", "1", "--tower", "image");
        out = sw.toString();
        assertEquals(0, code, "exit code; stdout:\n" + out + "\nstderr:\n" + err);
        assertTrue(Pattern.compile("(?m)^image\\s+ours\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+ images/s").matcher(out).find(), out);
        assertTrue(out.contains("ONNX Runtime: not run") && out.contains("--peer DIR"), out);
        assertTrue(!out.contains("ORT "), out);
    }

    @Test
    void rejectsAPeerWithoutOnnxFiles() {
        StringWriter err = new StringWriter();
        int code = new CommandLine(new CoftCli()).setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("bench", "--model", TINY.toString(), "--peer", Path.of("..", "models", "micro-clip-tf").toString());
        assertTrue(code != 0);
        assertTrue(err.toString().contains("--peer") && err.toString().contains("expected an ONNX model directory"),
                err.toString());
    }

    @Test
    void rejectsUnknownVisualModule() {
        StringWriter err = new StringWriter();
        int code = new CommandLine(new CoftCli()).setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("bench", "--train", "--model", TINY.toString(), "--visual", "lora");
        assertTrue(code != 0);
        assertTrue(err.toString().contains("--visual lora"), err.toString());
    }

    @Test
    void rejectsUnknownTower() {
        StringWriter err = new StringWriter();
        int code = new CommandLine(new CoftCli()).setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("bench", "--model", TINY.toString(), "--tower", "audio");
        assertTrue(code != 0);
    }
}
