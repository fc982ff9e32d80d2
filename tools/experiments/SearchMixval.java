import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.phase2.Classifier;
import org.coft.dl4j.phase2.PhaseTwo;
import org.coft.search.CoftCandidates;
import org.coft.search.CoftSearch;
import org.coft.search.Objective;
import org.coft.search.ObjectiveStudy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mixed-sample probes (MixVal-style, Hu et al., NeurIPS 2023) on finished {@code coft search} folders: an offline check
 * of one more label-free objective (issue 13) before it is built into arbiter-search.
 *
 * <p>Each candidate's saved final classifier (raw, without its output prior) labels every image (its pseudo-labels are
 * the raw final predictions of the candidate's evidence). The images are paired by a fixed random matching (seed 42);
 * each image i is mixed with its partner j in pixel space, {@code 0.55 x_i + 0.45 x_j} (the published default λ,
 * fixed before looking), and the classifier is asked again. {@code inter}: over pairs whose pseudo-labels differ, the
 * share of mixes predicted as the dominant image's pseudo-label (MixVal's inter-cluster ICE); {@code intra}: the same
 * over pairs with equal pseudo-labels; {@code rank-mix}: the sum of the two ranks over the candidates (MixVal's
 * combination; computed as {@code coft search}'s objective {@code mixval-rank}, the mean of the two ranks scaled to
 * [0, 1], which orders and picks alike). Candidate accuracies come from {@code coft search-report}'s study file and are read only to print
 * Spearman ρ and each score's pick against the oracle and the base config (candidate 0).
 *
 * <pre>
 * java -cp examples/target/coft.jar tools/experiments/SearchMixval.java SEARCH DATA STUDY [LAMBDA]
 * # e.g. /tmp/search-runs/search-fz2k /tmp/tasks/fz2k /tmp/search-runs/study-fz2k.json
 * </pre>
 */
public class SearchMixval {
    /** MixVal's published mixing weight (the default; a fourth argument overrides it). */
    static final double LAMBDA = 0.55;
    static double lambda = LAMBDA;

    public static void main(String[] args) throws Exception {
        if (args.length != 3 && args.length != 4) {
            System.err.println("usage: SearchMixval SEARCH DATA STUDY [LAMBDA]");
            System.exit(2);
        }
        lambda = args.length == 4 ? Double.parseDouble(args[3]) : LAMBDA;
        Path search = Path.of(args[0]);
        JsonNode acc = new ObjectMapper().readTree(Path.of(args[2]).toFile()).get("accuracy_per_candidate");
        List<String> classes = Files.readAllLines(search.resolve("candidates/000/classes.txt"));
        ImageSource source = ImageSources.open(args[1], SourceOptions.defaults().withClasses(ClassList.of(classes)));
        UnlabeledImages images = ImageViews.byFileName(source.images()); // the images only: no label is read here
        List<Path> dirs;
        try (Stream<Path> s = Files.list(search.resolve("candidates"))) {
            dirs = s.filter(d -> Files.isRegularFile(d.resolve("evidence.ser"))).sorted().toList();
        }
        List<double[]> rows = new ArrayList<>();
        System.out.println("candidate,inter,intra,inter_pairs,intra_pairs,accuracy");
        for (Path dir : dirs) {
            int idx = Integer.parseInt(dir.getFileName().toString());
            double[] ice = probe(search, idx, dir, images);
            double a = acc.get(Integer.toString(idx)).asDouble();
            rows.add(new double[] {idx, ice[0], ice[1], a});
            System.out.printf(Locale.ROOT, "%d,%.5f,%.5f,%d,%d,%.4f%n", idx, ice[0], ice[1], (long) ice[2],
                    (long) ice[3], a);
        }
        double[] inter = rows.stream().mapToDouble(r -> r[1]).toArray();
        double[] intra = rows.stream().mapToDouble(r -> r[2]).toArray();
        double[] accs = rows.stream().mapToDouble(r -> r[3]).toArray();
        // the rank sum, scaled: coft search's mixval-rank (same order, same picks)
        double[] mix = Objective.standing(new double[][] {inter, intra});
        int base = -1;
        for (int i = 0; i < rows.size(); i++) {
            base = rows.get(i)[0] == 0 ? i : base;
        }
        double oracle = Arrays.stream(accs).max().orElseThrow();
        for (Object[] s : new Object[][] {{"inter", inter}, {"intra", intra}, {"rank-mix", mix}}) {
            double[] v = (double[]) s[1];
            int pick = 0;
            for (int i = 1; i < v.length; i++) {
                pick = v[i] > v[pick] ? i : pick;
            }
            System.out.printf(Locale.ROOT, "%s: rho %+.3f, pick %d (%.2f %%), pick - oracle %+.2f, pick - base %+.2f%n",
                    s[0], ObjectiveStudy.spearman(v, accs), (int) rows.get(pick)[0], 100 * accs[pick], 100 * (accs[pick] - oracle),
                    base < 0 ? Double.NaN : 100 * (accs[pick] - accs[base]));
        }
    }

    /** {inter ICE, intra ICE, inter pairs, intra pairs} of one candidate (the product's probes, λ given). */
    static double[] probe(Path search, int idx, Path dir, UnlabeledImages images) throws Exception {
        Objective.Evidence e = CoftSearch.evidence(search, idx);
        List<String> ids = CoftCandidates.readPredictions(dir).ids(); // the evidence's row order
        int[] pseudo = PhaseTwo.argmax(Nd4j.createFromArray(e.finalProbabilities()));
        int[][] mix;
        try (Classifier c = Adaptation.classifier(Adaptation.read(dir)).withOutputBias(null)) {
            mix = CoftCandidates.mixedSampleProbes(c, images, ids, pseudo, lambda, 2);
        }
        long inter = 0;
        long intra = 0;
        for (int i = 0; i < pseudo.length; i++) {
            inter += mix[1][i] >= 0 && mix[1][i] != pseudo[i] ? 1 : 0;
            intra += mix[1][i] == pseudo[i] ? 1 : 0;
        }
        return new double[] {Objective.mixKept(pseudo, mix[0], mix[1], true),
                Objective.mixKept(pseudo, mix[0], mix[1], false), inter, intra};
    }
}
