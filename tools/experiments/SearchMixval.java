import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.coft.datavec.iterate.ImageBatch;
import org.coft.datavec.iterate.ImageBatchIterator;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.phase2.Classifier;
import org.coft.search.CoftSearch;
import org.coft.search.Objective;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * combination). Candidate accuracies come from {@code coft search-report}'s study file and are read only to print
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
        double[] ri = ranks(inter);
        double[] ra = ranks(intra);
        double[] mix = new double[ri.length];
        for (int i = 0; i < mix.length; i++) {
            mix[i] = ri[i] + ra[i];
        }
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
                    s[0], spearman(v, accs), (int) rows.get(pick)[0], 100 * accs[pick], 100 * (accs[pick] - oracle),
                    base < 0 ? Double.NaN : 100 * (accs[pick] - accs[base]));
        }
    }

    /** {inter ICE, intra ICE, inter pairs, intra pairs} of one candidate. */
    static double[] probe(Path search, int idx, Path dir, UnlabeledImages images) throws Exception {
        Objective.Evidence e = CoftSearch.evidence(search, idx);
        List<String> lines = Files.readAllLines(dir.resolve("predictions.csv"));
        List<String> ids = new ArrayList<>(); // the evidence's row order
        for (String l : lines.subList(1, lines.size())) {
            String id = l.substring(0, l.lastIndexOf(','));
            ids.add(id.startsWith("\"") ? id.substring(1, id.length() - 1).replace("\"\"", "\"") : id);
        }
        int n = ids.size();
        int[] pseudo = new int[n];
        for (int i = 0; i < n; i++) {
            double[] p = e.finalProbabilities()[i];
            for (int k = 1; k < p.length; k++) {
                pseudo[i] = p[k] > p[pseudo[i]] ? k : pseudo[i];
            }
        }
        // a fixed random matching: the images in shuffled order, partners adjacent (2k, 2k + 1)
        int[] perm = new int[n];
        Arrays.setAll(perm, i -> i);
        Random r = new Random(42);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        List<String> shuffled = new ArrayList<>(n);
        for (int p : perm) {
            shuffled.add(ids.get(p));
        }
        long[] count = new long[4]; // inter right, inter, intra right, intra
        int row = 0;
        try (Classifier c = Adaptation.classifier(Adaptation.read(dir)).withOutputBias(null);
             ImageBatchIterator it = ImageBatchIterator.builder(PhaseOne.select(images, shuffled), c.preprocess())
                     .batchSize(256).threads(2).build()) {
            while (it.hasNext()) {
                ImageBatch b = it.nextBatch();
                INDArray x = b.images();
                int m = (int) x.size(0);
                int[] partner = new int[m];
                for (int i = 0; i < m; i++) {
                    partner[i] = i % 2 == 0 ? Math.min(i + 1, m - 1) : i - 1; // the batch size is even
                }
                INDArray other = Nd4j.pullRows(x.reshape(m, -1), 1, partner).reshape(x.shape());
                INDArray mixed = x.mul(lambda).addi(other.muli(1 - lambda));
                INDArray pred = c.probabilities(mixed).argMax(1);
                for (int i = 0; i < m; i++) {
                    int gi = perm[row + i];
                    int go = perm[row + partner[i]];
                    if (gi == go) {
                        continue; // an odd image out
                    }
                    int k = pseudo[gi] != pseudo[go] ? 0 : 2;
                    count[k] += pred.getInt(i) == pseudo[gi] ? 1 : 0;
                    count[k + 1]++;
                }
                row += m;
                x.close();
            }
        }
        return new double[] {(double) count[0] / count[1], count[3] == 0 ? Double.NaN : (double) count[2] / count[3],
                count[1], count[3]};
    }

    static double[] ranks(double[] a) {
        Integer[] order = new Integer[a.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (x, y) -> Double.compare(a[x], a[y]));
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; ) {
            int j = i;
            while (j + 1 < a.length && a[order[j + 1]] == a[order[i]]) {
                j++;
            }
            for (int k = i; k <= j; k++) {
                r[order[k]] = (i + j) / 2.0; // ties share their mean rank
            }
            i = j + 1;
        }
        return r;
    }

    static double spearman(double[] x, double[] y) {
        double[] a = ranks(x);
        double[] b = ranks(y);
        double ma = Arrays.stream(a).average().orElseThrow();
        double mb = Arrays.stream(b).average().orElseThrow();
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
