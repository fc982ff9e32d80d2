import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.coft.search.BaseGuard;
import org.coft.search.CoftSearch;
import org.coft.search.Objective;

/**
 * The "second opinion" check of the arbiter-search README (2026-12-08): for each finished {@code coft search} folder,
 * its top candidate by {@code stability}, the product's {@link BaseGuard} decision for that candidate against the base
 * config (candidate 0, with its first two replicate runs) under {@code stability} and under {@code mixval-rank} (the
 * mean of the two mixed-sample probes), and what variant C would keep: the pick only where both pass, else the base
 * config. No label is read; judge the printed candidate with the search's {@code coft search-report} study.
 *
 * <pre>
 * java -cp examples/target/coft.jar tools/experiments/SearchSecondOpinion.java NAME=SEARCH...
 * </pre>
 */
public class SearchSecondOpinion {
    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: SearchSecondOpinion NAME=SEARCH...");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 1) {
                System.err.println(arg + ": expected NAME=SEARCH");
                System.exit(2);
            }
            Path out = Path.of(arg.substring(eq + 1));
            long seed = json.readTree(out.resolve("search.json").toFile()).get("seed").asLong();
            int pick = -1;
            double top = Double.NEGATIVE_INFINITY;
            for (int i = 0; Files.isRegularFile(candidate(out, i)); i++) {
                double v = json.readTree(candidate(out, i).toFile()).get("objectives").get("stability").asDouble();
                if (v > top) {
                    top = v;
                    pick = i;
                }
            }
            if (pick < 0) {
                System.err.println(out + ": no finished candidate");
                System.exit(1);
            }
            List<Objective.Evidence> again = CoftSearch.replicates(out, seed);
            again = again.subList(0, Math.min(BaseGuard.REPLICATES, again.size()));
            String line;
            if (pick == 0) {
                line = "top candidate 0 (the base config): C keeps 0";
            } else {
                Objective.Evidence base = CoftSearch.evidence(out, 0);
                Objective.Evidence best = CoftSearch.evidence(out, pick);
                BaseGuard.Decision s = BaseGuard.decide(Objective.STABILITY, base, best, again, seed);
                BaseGuard.Decision m = BaseGuard.decide(Objective.MIXVAL_RANK, base, best, again, seed);
                line = String.format(Locale.ROOT, "top candidate %d; stability %+.4f ± %.4f %s; probes %+.4f ± %.4f %s;"
                        + " C keeps %d", pick, s.difference(), s.standardError(), s.replaceBase() ? "passes" : "fails",
                        m.difference(), m.standardError(), m.replaceBase() ? "passes" : "fails",
                        s.replaceBase() && m.replaceBase() ? pick : 0);
            }
            System.out.println(arg.substring(0, eq) + " (base runs " + (1 + again.size()) + ", seed " + seed + "): "
                    + line);
        }
    }

    private static Path candidate(Path out, int i) {
        return out.resolve(String.format(Locale.ROOT, "candidates/%03d/result.json", i));
    }
}
