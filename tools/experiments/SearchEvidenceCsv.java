import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.coft.search.CoftSearch;
import org.coft.search.Objective;

/**
 * Writes what each candidate of a finished {@code coft search} folder saved as evidence (its {@code evidence.ser}) as
 * CSV tables, for offline checks of label-free scores in other tools ({@code search-validators.py}): per candidate N,
 * {@code N-final.csv} (the final classifier's probabilities, one row per image, one column per class) and, where the
 * run has them, {@code N-aug.csv} (the same on the second view) and {@code N-p1.csv} (Phase I's classifier); and
 * {@code zs.csv} (zero-shot, the same for every candidate). No label is read.
 *
 * <pre>
 * java -cp examples/target/coft.jar tools/experiments/SearchEvidenceCsv.java SEARCH OUT_DIR
 * </pre>
 */
public class SearchEvidenceCsv {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: SearchEvidenceCsv SEARCH OUT_DIR");
            System.exit(2);
        }
        Path search = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        List<Path> dirs;
        try (Stream<Path> s = Files.list(search.resolve("candidates"))) {
            dirs = s.filter(d -> Files.isRegularFile(d.resolve("evidence.ser"))).sorted().toList();
        }
        boolean zeroShot = false;
        for (Path dir : dirs) {
            int i = Integer.parseInt(dir.getFileName().toString());
            Objective.Evidence e = CoftSearch.evidence(search, i);
            write(out.resolve(i + "-final.csv"), e.finalProbabilities());
            if (e.augmented() != null) {
                write(out.resolve(i + "-aug.csv"), e.augmented());
            }
            if (e.phase1Probabilities() != null) {
                write(out.resolve(i + "-p1.csv"), e.phase1Probabilities());
            }
            if (!zeroShot) {
                write(out.resolve("zs.csv"), e.zeroShot());
                zeroShot = true;
            }
        }
        System.out.println(dirs.size() + " candidates written to " + out);
    }

    static void write(Path p, double[][] m) throws IOException {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(p))) {
            for (double[] row : m) {
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j < row.length; j++) {
                    sb.append(j > 0 ? "," : "").append(row[j]);
                }
                w.println(sb);
            }
        }
    }
}
