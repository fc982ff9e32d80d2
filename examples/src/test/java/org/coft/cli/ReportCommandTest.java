package org.coft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.coft.cli.report.HtmlReport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coft report} on a real (small) demo run: every plot is a real, non-blank PNG, the accuracy panel repeats the
 * demo's own figures, label panels appear only with labels, bad input is named — and the page, opened in headless
 * Chromium, loads every image (skipped where Chromium is not installed).
 */
class ReportCommandTest {
    @TempDir
    static Path tmp;
    static Path run;
    static Path data;
    static String demoOut;

    @BeforeAll
    static void demo() {
        String[] r = CliTest.run("demo", "--work", tmp.resolve("demo").toString(), "--per-class", "10",
                "--phase2-epochs", "1");
        assertEquals("0", r[0], r[2]);
        demoOut = r[1];
        run = tmp.resolve("demo").resolve("adapted");
        data = tmp.resolve("demo").resolve("data");
    }

    static List<BufferedImage> images(String html) throws Exception {
        Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        List<BufferedImage> out = new ArrayList<>();
        while (m.find()) {
            BufferedImage im = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
            assertNotNull(im, "an embedded image is not a readable PNG");
            out.add(im);
        }
        return out;
    }

    static int colours(BufferedImage im) {
        Set<Integer> c = new HashSet<>();
        for (int y = 0; y < im.getHeight(); y += 3) {
            for (int x = 0; x < im.getWidth(); x += 3) {
                c.add(im.getRGB(x, y));
            }
        }
        return c.size();
    }

    @Test
    void demoWritesAReportWhoseAccuracyPanelRepeatsTheDemo() throws Exception {
        Path report = run.resolve(HtmlReport.FILE);
        assertTrue(demoOut.contains("report: " + report.toAbsolutePath().normalize()), demoOut);
        String[] lines = demoOut.strip().split("\n");
        assertTrue(lines[lines.length - 1].startsWith("summary: "), lines[lines.length - 1]);
        String html = Files.readString(report);
        List<BufferedImage> imgs = images(html);
        assertTrue(imgs.size() >= 12, "figures: " + imgs.size());
        for (BufferedImage im : imgs) {
            assertTrue(im.getWidth() >= 400 && im.getHeight() >= 300, im.getWidth() + "x" + im.getHeight());
            assertTrue(colours(im) > 8, "a blank plot (" + colours(im) + " colours)");
        }
        // the demo's summary: zero-shot on 100 images Z, CoFT Phase I P, CoFT (Phase II; no labels) C
        Matcher m = Pattern.compile("images ([0-9.]+), CoFT Phase I ([0-9.]+), CoFT \\(Phase II; no labels\\) "
                + "([0-9.]+)").matcher(demoOut);
        assertTrue(m.find(), demoOut);
        String[] stages = {"zero-shot", "Phase I", "CoFT"};
        for (int i = 0; i < 3; i++) {
            String want = String.format(Locale.ROOT, "<tr><td>%s</td><td>%.2f %%</td></tr>", stages[i],
                    100 * Double.parseDouble(m.group(i + 1)));
            assertTrue(html.contains(want), "missing " + want);
        }
        assertTrue(html.contains("Evaluation (labels from") && html.contains("Confusion matrix of the CoFT classifier"));
        for (String panel : List.of("Predicted class counts at each stage", "Seeds and the labels the filter kept",
                "p_clean that model B gives model A's labels, kept vs rejected", "Phase I training loss of every model",
                "Phase II training loss of every model", "Time per stage (last session)", "<h3>Config</h3>",
                "Accuracy per class at each stage", "right vs wrong</figcaption>")) {
            assertTrue(html.contains(panel), "missing panel " + panel);
        }
    }

    @Test
    void withoutDataTheReportHasNoLabelPanelsAndBadInputIsNamed() throws Exception {
        Path out = tmp.resolve("label-free.html");
        String[] r = CliTest.run("report", run.toString(), "--out", out.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].strip().endsWith("report: " + out.toAbsolutePath().normalize()), r[1]);
        String html = Files.readString(out);
        assertFalse(html.contains("Evaluation (labels from") || html.contains("Confusion matrix of") || html.contains("right vs wrong</figcaption>"), "label panels");
        assertTrue(html.contains("No evaluation labels were given"));
        int withLabels = images(Files.readString(run.resolve(HtmlReport.FILE))).size();
        assertTrue(images(html).size() < withLabels);

        r = CliTest.run("report", tmp.resolve("nothing").toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains(tmp.resolve("nothing").toString()) && r[2].contains("not an adapted model"), r[2]);
        Path flat = tmp.resolve("flat");
        Files.createDirectories(flat);
        Files.copy(data.resolve("t-shirt").resolve(Files.list(data.resolve("t-shirt")).findFirst().orElseThrow()
                .getFileName()), flat.resolve("a.png"));
        r = CliTest.run("report", run.toString(), "--data", flat.toString(), "--out", tmp.resolve("x.html").toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("no labels there"), r[2]);
    }

    @Test
    void chromiumLoadsEveryImageOfTheReport() throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        assumeTrue(Files.isExecutable(chromium), "Chromium is not installed at /usr/bin/chromium (Debian package "
                + "chromium; .ci/run installs it): the browser check is skipped");
        Path report = run.resolve(HtmlReport.FILE);
        int figures = images(Files.readString(report)).size();
        Path profile = Files.createTempDirectory(tmp, "chromium-");
        List<String> flags = List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--hide-scrollbars");
        List<String> dump = new ArrayList<>(flags);
        dump.addAll(List.of("--virtual-time-budget=5000", "--dump-dom", report.toUri().toString()));
        String dom = runProcess(dump, tmp.resolve("dom.html"));
        assertTrue(dom.contains("data-images-loaded=\"" + figures + "/" + figures + "\""),
                "the page did not load every image: " + grep(dom, "data-images-loaded=\"[^\"]*\""));
        Path shot = tmp.resolve("report.png");
        List<String> screenshot = new ArrayList<>(flags);
        screenshot.addAll(List.of("--window-size=1000,2400", "--screenshot=" + shot, report.toUri().toString()));
        runProcess(screenshot, tmp.resolve("screenshot.log"));
        BufferedImage im = ImageIO.read(shot.toFile());
        assertNotNull(im, "no screenshot");
        assertEquals(1000, im.getWidth());
        assertTrue(colours(im) > 32, "the screenshot is blank");
    }

    private static String grep(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        return m.find() ? m.group() : "(no attribute: the page's script did not run)";
    }

    private static String runProcess(List<String> cmd, Path stdout) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile())
                .redirectError(stdout.resolveSibling(stdout.getFileName() + ".err").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + cmd);
        }
        assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(stdout.resolveSibling(
                stdout.getFileName() + ".err")));
        return Files.readString(stdout);
    }
}
