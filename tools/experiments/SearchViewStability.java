import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.coft.datavec.augment.AugmentationConfig;
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
import org.coft.search.BaseGuard;
import org.coft.search.CoftCandidates;
import org.coft.search.CoftSearch;
import org.coft.search.Objective;
import org.coft.search.ObjectiveStudy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code stability} with a second view outside Phase II's training augmentations, on finished {@code coft search}
 * folders: an offline test (issue 13) of why {@code stability} prefers candidates that train harder. The product's
 * view is a random resized crop, the family Phase II trains on; this one is colour jitter only (brightness 0.4,
 * contrast 0.4, no crop, no flip, the product's view seed). Each candidate's saved final classifier (raw, without its
 * output prior) classifies the jittered copy of every image; the candidate's evidence with that view in place of its
 * augmented one gives the product's {@code stability} and, for the top candidate, the product's run-noise guard
 * (the base config's replicate runs recomputed the same way: the search's {@code replicates/NN}, or the base config's
 * run folders with those seeds given after STUDY, e.g. another search's {@code candidates/000} where the search's
 * replicates were copied in as evidence only). Candidate accuracies come from {@code coft
 * search-report}'s study file and are read only to print ρ and the picks against the oracle and the base config.
 *
 * <pre>
 * java -cp examples/target/coft.jar tools/experiments/SearchViewStability.java SEARCH DATA STUDY [BASE_RUN_DIR...]
 * </pre>
 */
public class SearchViewStability {
    /** -Djitter=0 checks the pipeline: the view is then the plain one and every candidate's value is 1. */
    static final double JITTER = Double.parseDouble(System.getProperty("jitter", "0.4"));
    static final AugmentationConfig VIEW = AugmentationConfig.none().withColorJitter(JITTER, JITTER, 0, 0);
    static final long VIEW_SEED = 0x5EA4C4L; // CoftCandidates.VIEW_SEED

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: SearchViewStability SEARCH DATA STUDY [BASE_RUN_DIR...]");
            System.exit(2);
        }
        Path search = Path.of(args[0]);
        JsonNode acc = new ObjectMapper().readTree(Path.of(args[2]).toFile()).get("accuracy_per_candidate");
        long seed = new ObjectMapper().readTree(search.resolve(CoftSearch.RECORD).toFile()).path("seed").asLong();
        List<String> classes = Files.readAllLines(search.resolve("candidates/000/classes.txt"));
        ImageSource source = ImageSources.open(args[1], SourceOptions.defaults().withClasses(ClassList.of(classes)));
        UnlabeledImages images = ImageViews.byFileName(source.images()); // the images only: no label is read here
        List<Path> dirs;
        try (Stream<Path> s = Files.list(search.resolve("candidates"))) {
            dirs = s.filter(d -> Files.isRegularFile(d.resolve("evidence.ser"))).sorted().toList();
        }
        List<Objective.Evidence> ev = new ArrayList<>();
        List<Integer> index = new ArrayList<>();
        System.out.println("candidate,stability_crop,stability_photometric,accuracy");
        for (Path dir : dirs) {
            int idx = Integer.parseInt(dir.getFileName().toString());
            Objective.Evidence e = jittered(CoftSearch.evidence(search, idx), dir, images);
            ev.add(e);
            index.add(idx);
            System.out.printf(Locale.ROOT, "%d,%.4f,%.4f,%.4f%n", idx, Objective.STABILITY.value(
                    CoftSearch.evidence(search, idx)), Objective.STABILITY.value(e),
                    acc.get(Integer.toString(idx)).asDouble());
        }
        double[] v = ev.stream().mapToDouble(Objective.STABILITY::value).toArray();
        double[] a = index.stream().mapToDouble(i -> acc.get(Integer.toString(i)).asDouble()).toArray();
        int pick = 0;
        for (int i = 1; i < v.length; i++) {
            pick = v[i] > v[pick] ? i : pick;
        }
        int base = index.indexOf(0);
        int guarded = pick;
        String guard = "the top candidate is the base config";
        if (index.get(pick) != 0) {
            List<Objective.Evidence> again = new ArrayList<>();
            List<Path> reps = new ArrayList<>();
            for (int r = 1; args.length == 3 && Files.isDirectory(CoftSearch.replicateDir(search, r)); r++) {
                reps.add(CoftSearch.replicateDir(search, r));
            }
            for (int k = 3; k < args.length; k++) {
                reps.add(Path.of(args[k]));
            }
            for (Path dir : reps) {
                again.add(jittered(read(dir.resolve("evidence.ser")), dir, images));
            }
            BaseGuard.Decision d = BaseGuard.decide(Objective.STABILITY, ev.get(base), ev.get(pick), again, seed);
            guarded = d.replaceBase() ? pick : base;
            guard = d.describe(Objective.STABILITY) + (d.replaceBase() ? ": replaces" : ": keeps the base config");
        }
        double oracle = Arrays.stream(a).max().orElseThrow();
        System.out.printf(Locale.ROOT, "photometric stability: rho %+.3f, pick %d (%.2f %%), guarded %d: - oracle %+.2f,"
                        + " - base %+.2f%n", ObjectiveStudy.spearman(v, a), index.get(pick), 100 * a[pick],
                index.get(guarded), 100 * (a[guarded] - oracle), 100 * (a[guarded] - a[base]));
        System.out.println("guard: " + guard);
    }

    static Objective.Evidence read(Path f) throws Exception {
        try (var in = new java.io.ObjectInputStream(Files.newInputStream(f))) {
            return (Objective.Evidence) in.readObject();
        }
    }

    /** The evidence with the classifier's probabilities on the colour-jittered view as its augmented view. */
    static Objective.Evidence jittered(Objective.Evidence e, Path dir, UnlabeledImages images) throws Exception {
        List<String> ids = CoftCandidates.readPredictions(dir).ids(); // the evidence's row order
        UnlabeledImages ordered = PhaseOne.select(images, ids);
        List<INDArray> parts = new ArrayList<>();
        try (Classifier c = Adaptation.classifier(Adaptation.read(dir)).withOutputBias(null);
             ImageBatchIterator it = ImageBatchIterator.builder(ordered, c.preprocess()).batchSize(256).threads(2)
                     .augmentation(VIEW).seed(VIEW_SEED).build()) {
            while (it.hasNext()) {
                ImageBatch b = it.nextBatch();
                parts.add(c.probabilities(b.images()));
                b.images().close();
            }
        }
        INDArray all = Nd4j.concat(0, parts.toArray(new INDArray[0]));
        double[][] view = new double[(int) all.rows()][];
        for (int i = 0; i < view.length; i++) {
            view[i] = all.getRow(i).toDoubleVector();
        }
        return new Objective.Evidence(e.zeroShot(), e.finalProbabilities(), view, e.pCleanA(), e.pCleanB(),
                e.predictionsA(), e.predictionsB(), e.seed(), e.validationAccuracy(), e.phase1Probabilities(),
                e.mixPredictions(), e.mixPartnerLabels());
    }
}
