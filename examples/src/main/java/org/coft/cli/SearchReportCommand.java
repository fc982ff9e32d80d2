package org.coft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.EvaluationLabels;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.adapt.CoftConfig;
import org.coft.dl4j.adapt.Method;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.dl4j.phase2.PhaseTwo;
import org.coft.search.BaseGuard;
import org.coft.search.CoftCandidates;
import org.coft.search.CoftSearch;
import org.coft.search.Objective;
import org.coft.search.ObjectiveStudy;
import org.coft.search.Outcome;
import org.coft.search.SearchSpace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coft search-report}: measures a finished search against labels (measurement only, after the search): each
 * candidate's accuracy from its saved predictions, and per objective the Spearman correlation with accuracy and the
 * accuracy of the candidate it picks, against the oracle and the base config; and the split-half reliability of the
 * accuracy ranking ({@link ObjectiveStudy#reliability}), which bounds how well any objective can correlate with it.
 */
@Command(name = "search-report", mixinStandardHelpOptions = true,
        description = "Measure a finished coft search against labels (never used by the search): Spearman rho of each "
                + "objective with accuracy, the accuracy of each objective's pick vs the oracle and the base config, "
                + "and how reliably the labels themselves rank the candidates (split-half)")
final class SearchReportCommand implements Callable<Integer> {
    @Option(names = "--search", required = true, description = "a coft search folder")
    Path search;

    @Option(names = "--data", required = true, description = "the searched images, with labels (class sub-folders or "
            + "a labelled manifest)")
    String data;

    @Option(names = "--task", description = "task name for the table (default: the data folder's name)")
    String task;

    @Option(names = "--out", description = "write the study as JSON here")
    Path out;

    @Option(names = "--held-out", description = "labelled images of the same task that the search did not adapt on "
            + "(class sub-folders or a labelled manifest; none may share an id with the searched images): each "
            + "candidate's adapted model classifies them, and the study is repeated with that accuracy")
    String heldOut;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = new PrintWriter(System.out, true);
        JsonNode rec = org.coft.dl4j.run.JsonFiles.readObject(search.resolve(CoftSearch.RECORD),
                "the record of a coft search");
        Method m = Method.parse(rec.path("method").asText());
        CoftConfig base = CoftConfig.fromJson(rec.get("base_config"), CoftConfig.defaults(m), "base_config");
        SearchSpace s = SearchSpace.parse(rec.get("space"), m, base, search.resolve(CoftSearch.RECORD).toString());
        List<Outcome> done = Outcome.withStandings(CoftSearch.finished(search, s));
        ClassList cl = ClassList.of(List.of(rec.path("fingerprints").path("classes").asText().split("\\|")));
        ImageSource source = ImageSources.open(data, SourceOptions.defaults().withClasses(cl));
        EvaluationLabels labels = source.evaluationLabels().orElseThrow(() -> new IllegalArgumentException(
                "--data " + data + " has no labels"));
        Map<Integer, Double> acc = new HashMap<>();
        Map<Integer, int[]> predicted = new HashMap<>();
        // each image's row in the first candidate's predictions: every candidate's correctness in that order, for the
        // reliability of the ranking
        Map<String, Integer> rowOf = null;
        List<boolean[]> correct = new ArrayList<>();
        for (Outcome o : done) {
            Path dir = CoftSearch.candidateDir(search, o.index());
            CoftCandidates.Predictions p = CoftCandidates.readPredictions(dir);
            int[] pred = p.classes();
            if (rowOf == null) {
                rowOf = new HashMap<>();
                for (int row = 0; row < pred.length; row++) {
                    rowOf.put(p.ids().get(row), row);
                }
            }
            boolean[] c = new boolean[rowOf.size()];
            int rightRows = 0;
            boolean sameCount = pred.length == rowOf.size();
            for (int row = 0; row < pred.length; row++) {
                Integer at = sameCount ? rowOf.get(p.ids().get(row)) : null;
                if (at == null) {
                    throw new IllegalArgumentException(dir + ": predictions of other images than candidate "
                            + done.get(0).index() + "'s (" + pred.length + " against " + rowOf.size() + ")");
                }
                c[at] = labels.labelOf(p.ids().get(row)) == pred[row];
                rightRows += c[at] ? 1 : 0;
            }
            correct.add(c);
            acc.put(o.index(), (double) rightRows / pred.length);
            predicted.put(o.index(), pred);
        }
        // the held-out images are opened and checked before anything is computed
        HeldOutImages heldImages = heldOut == null ? null
                : heldOutImages(cl, rowOf == null ? Set.of() : rowOf.keySet());
        ObjectiveStudy.Reliability reliability = reliability(correct.toArray(new boolean[0][]),
                rec.path("seed").asLong());
        // the guard reads a candidate's evidence file; searches made before it was written have predictions only,
        // from which the balance objective (a function of the final predictions alone) can still be guarded
        int classes = cl.size();
        Map<Integer, java.util.Optional<Objective.Evidence>> loaded = new HashMap<>();
        long seed = rec.path("seed").asLong();
        List<Objective.Evidence> baseAgain = CoftSearch.replicates(search, seed);
        Map<Integer, List<Objective.Evidence>> again = new HashMap<>();
        again.put(0, baseAgain);
        boolean confirm = rec.path("confirm_pick").asBoolean(false);
        BiFunction<Integer, Objective, Objective.Evidence> evidence = (i, ob) -> {
            try {
                if (!loaded.containsKey(i)) {
                    loaded.put(i, java.util.Optional.ofNullable(CoftSearch.evidence(search, i)));
                }
                Objective.Evidence e = loaded.get(i).orElse(null);
                if (e != null) {
                    return e;
                }
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
            return ob == Objective.BALANCE && predicted.containsKey(i) ? fromPredictions(predicted.get(i), classes)
                    : null;
        };
        IntFunction<List<Objective.Evidence>> replicates = i -> again.computeIfAbsent(i, c -> {
            try {
                return confirm ? CoftSearch.replicates(search, c, seed) : List.of();
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        });
        ObjectiveStudy.Study st = ObjectiveStudy.study(done, acc, List.of(Objective.values()), evidence,
                replicates, seed);
        String name = task != null ? task : Path.of(data).getFileName().toString();
        print(pw, st, reliability, name);
        pw.println();
        pw.println("| candidate | accuracy | " + String.join(" | ", Objective.labelFree().stream()
                .map(Objective::cliName).toList()) + " | settings |");
        pw.println("|---:|---:|" + "---:|".repeat(Objective.labelFree().size()) + "---|");
        for (Outcome o : done) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "| %d | %.2f %% |", o.index(),
                    100 * acc.get(o.index())));
            for (Objective ob : Objective.labelFree()) {
                double v = o.value(ob);
                sb.append(Double.isNaN(v) ? " – |" : String.format(Locale.ROOT, " %.4f |", v));
            }
            pw.println(sb + " " + o.describe() + " |");
        }
        pw.println();
        pw.println("guarded pick: the pick unless its objective is not above the base config's by " + BaseGuard.Z
                + " standard errors (images: paired bootstrap; runs: " + (baseAgain.isEmpty()
                ? "not measured, the search ran no replicate of the base config"
                : "the spread of the base config over its run and " + baseAgain.size() + " replicate run(s)")
                + (confirm ? "; the search confirmed a leading pick with its replicate runs where the folder holds them"
                : "") + "), then the base config (what best.json holds)");
        Map<String, Object> held = null;
        if (heldOut != null) {
            HeldOut h = heldOut(done, heldImages);
            ObjectiveStudy.Study hs = ObjectiveStudy.study(done, h.accuracy(), List.of(Objective.values()),
                    evidence, replicates, seed);
            ObjectiveStudy.Reliability hr = reliability(h.correct(), seed);
            pw.println();
            pw.println("held out: " + h.images() + " labelled images of " + heldOut + " that the search did not adapt "
                    + "on, classified by each candidate's adapted model (the objectives and guarded picks are the "
                    + "same label-free ones; only the accuracy is measured on other images)");
            pw.println();
            print(pw, hs, hr, name + ", held out");
            pw.println();
            pw.println("| candidate | accuracy (searched images) | accuracy (held out) |");
            pw.println("|---:|---:|---:|");
            for (Outcome o : done) {
                pw.printf(Locale.ROOT, "| %d | %.2f %% | %.2f %% |%n", o.index(), 100 * acc.get(o.index()),
                        100 * h.accuracy().get(o.index()));
            }
            held = new java.util.LinkedHashMap<>(ObjectiveStudy.toMap(hs));
            held.put("data", heldOut);
            held.put("images", h.images());
            held.putAll(measured(h.accuracy(), hr));
        }
        if (out != null) {
            Map<String, Object> j = new java.util.LinkedHashMap<>(ObjectiveStudy.toMap(st));
            j.put("task", name);
            j.put("search", search.toAbsolutePath().toString());
            j.putAll(measured(acc, reliability));
            if (held != null) {
                j.put("held_out", held);
            }
            Files.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(j));
            pw.println("study: " + out);
        }
        return 0;
    }

    /**
     * The split-half reliability of the accuracy ranking from which images each candidate got right (one row per
     * candidate, the images in the same order), or null for fewer than two candidates.
     */
    static ObjectiveStudy.Reliability reliability(boolean[][] correct, long seed) {
        return correct.length < 2 ? null : ObjectiveStudy.reliability(correct, ObjectiveStudy.SPLITS, seed);
    }

    /** A study's table and, where measured, the reliability of the accuracy ranking it was judged by. */
    static void print(PrintWriter pw, ObjectiveStudy.Study st, ObjectiveStudy.Reliability reliability, String name) {
        for (String line : st.markdown(name)) {
            pw.println(line);
        }
        if (reliability != null) {
            pw.println();
            pw.println(reliability.describe());
        }
    }

    /** The accuracies a study was judged by and the reliability of their ranking, for the study's JSON. */
    static Map<String, Object> measured(Map<Integer, Double> accuracy, ObjectiveStudy.Reliability reliability) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("accuracy_per_candidate", new java.util.TreeMap<>(accuracy));
        if (reliability != null) {
            m.put("accuracy_ranking", reliability.toMap());
        }
        return m;
    }

    /** The {@code --held-out} images and their labels. */
    record HeldOutImages(UnlabeledImages images, EvaluationLabels labels) { }

    /** Each candidate's accuracy on the held-out images and, per candidate, which images it got right. */
    record HeldOut(Map<Integer, Double> accuracy, boolean[][] correct, int images) { }

    /**
     * Opens the {@code --held-out} images.
     *
     * @throws IllegalArgumentException when they have no labels, or one has the id of a searched image
     */
    HeldOutImages heldOutImages(ClassList cl, Set<String> searched) throws Exception {
        ImageSource source = ImageSources.open(heldOut, SourceOptions.defaults().withClasses(cl));
        EvaluationLabels labels = source.evaluationLabels().orElseThrow(() -> new IllegalArgumentException(
                "--held-out " + heldOut + " has no labels"));
        UnlabeledImages images = ImageViews.byFileName(source.images());
        List<String> shared = images.ids().stream().filter(searched::contains).toList();
        if (!shared.isEmpty()) {
            throw new IllegalArgumentException("--held-out " + heldOut + ": " + shared.size() + " of its "
                    + images.ids().size() + " images have the id of a searched image (e.g. " + shared.get(0)
                    + "); held-out images must be ones the search did not adapt on");
        }
        return new HeldOutImages(images, labels);
    }

    /**
     * Classifies the held-out images with every finished candidate's adapted model (as {@code coft eval} does: the
     * model as delivered) and scores them against their labels.
     */
    HeldOut heldOut(List<Outcome> done, HeldOutImages held) throws Exception {
        UnlabeledImages images = held.images();
        EvaluationLabels labels = held.labels();
        Map<Integer, Double> acc = new HashMap<>();
        boolean[][] correct = new boolean[done.size()][];
        for (int k = 0; k < done.size(); k++) {
            Path dir = CoftSearch.candidateDir(search, done.get(k).index());
            Adaptation.Adapted a = Adaptation.read(dir);
            Adaptation.Predictions p = Adaptation.predict(a,
                    EvalCommand.backbone(a, null), images, new PhaseOne.Options(2, 256, List.of()));
            int[] pred = PhaseTwo.argmax(p.probabilities());
            correct[k] = new boolean[pred.length];
            int right = 0;
            for (int i = 0; i < pred.length; i++) {
                correct[k][i] = labels.labelOf(p.ids().get(i)) == pred[i];
                right += correct[k][i] ? 1 : 0;
            }
            acc.put(done.get(k).index(), (double) right / pred.length);
        }
        return new HeldOut(acc, correct, images.ids().size());
    }

    /** Evidence with only the final predictions (one-hot) real: enough for the balance objective. */
    static Objective.Evidence fromPredictions(int[] pred, int classes) {
        int n = pred.length;
        double[][] p = new double[n][classes];
        for (int i = 0; i < n; i++) {
            p[i][pred[i]] = 1;
        }
        return new Objective.Evidence(p, p, null, p, p, pred, pred, new boolean[n], Double.NaN);
    }
}
