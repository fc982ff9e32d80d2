package org.coft.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.coft.dl4j.adapt.Method;
import org.coft.dl4j.train.ArrayArchive;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultReference;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultSaver;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.TerminationCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.GeneticSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener;

/**
 * A label-free hyper-parameter search over CoFT on Arbiter: the space's candidate generator (random, grid or genetic)
 * behind candidate 0 = the base config, a {@link LocalOptimizationRunner} running one candidate at a time through a
 * {@link TaskCreator} that calls a {@link CandidateRunner}, an Arbiter {@link ScoreFunction} that reads the chosen
 * {@link Objective}, and termination by candidates ({@link MaxCandidatesCondition}) and time (the generator stops
 * handing out candidates; the one running finishes).
 *
 * <p>The output folder: {@value #RECORD} (what the search is: method, space, base config, seed, objective, data and
 * model fingerprints, versions), {@code candidates/NNN/} (each candidate's run folder and its {@link Outcome#FILE}),
 * and at the end {@value #RANKING} (every finished candidate, best first, all objectives), {@value #BEST} (the best
 * candidate's config, which {@code coft adapt --config} reads) and {@value #SUMMARY}. Running again on the same folder
 * continues: a candidate with a result is read back, never run twice; one interrupted mid-run resumes in its folder.
 * The candidates are the same on every run (the generator is seeded), which is checked.
 */
public final class CoftSearch {
    public static final String RECORD = "search.json";
    public static final String RANKING = "ranking.csv";
    public static final String BEST = "best.json";
    public static final String SUMMARY = "search-result.json";
    static final String FORMAT = "coft-search/1";

    private CoftSearch() {
    }

    /**
     * What to search.
     *
     * @param candidates   at most this many candidates in all (finished ones of an earlier run included), ≥ 1
     * @param maxTime      stop starting candidates after this long (this run), or null for no limit
     * @param fingerprints recorded and compared on resume: e.g. data ids' SHA-256, base model hashes
     * @param confirmPick  where the pick leads the base config on its own run, also run the pick with the replicate
     *                     seeds and replace the base config only if they confirm the lead ({@link BaseGuard.Confirmation};
     *                     the winner's curse of a best-of-many pick; off by default, see the arbiter-search README)
     */
    public record Request(SearchSpace space, Objective objective, int candidates, Duration maxTime, long seed, Path out,
                          Map<String, JsonNode> fingerprints, PrintWriter log, boolean guard, int replicates,
                          boolean confirmPick) {
        /** Without the pick's replicate runs. */
        public Request(SearchSpace space, Objective objective, int candidates, Duration maxTime, long seed, Path out,
                       Map<String, JsonNode> fingerprints, PrintWriter log, boolean guard, int replicates) {
            this(space, objective, candidates, maxTime, seed, out, fingerprints, log, guard, replicates, false);
        }

        /** With the {@link BaseGuard} on and its {@value BaseGuard#REPLICATES} replicate runs of the base config. */
        public Request(SearchSpace space, Objective objective, int candidates, Duration maxTime, long seed, Path out,
                       Map<String, JsonNode> fingerprints, PrintWriter log) {
            this(space, objective, candidates, maxTime, seed, out, fingerprints, log, true);
        }

        /** With {@value BaseGuard#REPLICATES} replicate runs of the base config when the guard is on, none when off. */
        public Request(SearchSpace space, Objective objective, int candidates, Duration maxTime, long seed, Path out,
                       Map<String, JsonNode> fingerprints, PrintWriter log, boolean guard) {
            this(space, objective, candidates, maxTime, seed, out, fingerprints, log, guard,
                    guard ? BaseGuard.REPLICATES : 0);
        }

        public Request {
            if (replicates < 0) {
                throw new IllegalArgumentException("--replicates " + replicates + ": expected 0 or more");
            }
            if (candidates < 1) {
                throw new IllegalArgumentException("--candidates " + candidates + ": expected at least 1");
            }
            if (maxTime != null && (maxTime.isZero() || maxTime.isNegative())) {
                throw new IllegalArgumentException("--max-time " + maxTime + ": expected a positive duration");
            }
            if (objective.needsClassifier() && !space.method().fineTunes()) {
                throw new IllegalArgumentException("objective " + objective.cliName() + " needs Phase II's classifier; "
                        + space.method().cliName() + " has none (choose another objective)");
            }
            if (objective.population() && space.generator() == SearchSpace.Generator.GENETIC) {
                throw new IllegalArgumentException("objective " + objective.cliName() + " ranks the finished candidates "
                        + "against each other, so a candidate's value changes as others finish; the genetic generator "
                        + "breeds from fixed scores: use the random or grid generator, or another objective");
            }
        }
    }

    /**
     * The search's end: every finished candidate ranked by the objective (best first; NaN last), and the one chosen
     * (written to {@value #BEST}): the best, unless the {@link BaseGuard} keeps the base config.
     *
     * @param guard the best candidate against the base config, or null (the best is the base config, the guard is
     *              off, or a run's evidence is missing)
     */
    public record Result(List<Outcome> ranking, Objective objective, int ranThisTime, int failed, Outcome chosen,
                         BaseGuard.Decision guard) {
        public Outcome best() {
            return ranking.get(0);
        }
    }

    /** Runs (or continues) a search. @throws IOException when the folder holds another search (naming the field) */
    public static Result run(Request req, CandidateRunner runner) throws IOException {
        return run(req, runner, List.of());
    }

    /**
     * As {@link #run(Request, CandidateRunner)}, with Arbiter {@link StatusListener}s added to the runner: they see
     * each candidate's status change (completed, failed; a candidate read back from an earlier run completes at once),
     * e.g. to show the search's progress.
     */
    public static Result run(Request req, CandidateRunner runner, List<? extends StatusListener> listeners)
            throws IOException {
        Files.createDirectories(req.out());
        // through text and back, so that it compares like the copy read from the file (an int read back is an int)
        ObjectNode record = (ObjectNode) Outcome.JSON.readTree(Outcome.JSON.writeValueAsString(record(req)));
        Path recordFile = req.out().resolve(RECORD);
        if (Files.isRegularFile(recordFile)) {
            JsonNode before = org.coft.dl4j.run.JsonFiles.readObject(recordFile, "the record of a coft search");
            for (String f : List.of("format", "method", "space", "base_config", "seed", "fingerprints")) {
                if (!before.path(f).equals(record.path(f))) {
                    throw new IOException(req.out() + " holds a search with another '" + f + "' (" + recordFile
                            + "): continue it with the same settings or use a fresh --out");
                }
            }
            if (req.space().generator() == SearchSpace.Generator.GENETIC
                    && !before.path("objective").equals(record.path("objective"))) {
                throw new IOException(req.out() + " holds a genetic search driven by objective "
                        + before.path("objective").asText() + ": its candidates depend on it; continue with that "
                        + "objective or use a fresh --out");
            }
            req.log().println("search: continuing " + req.out() + " (finished candidates are read back)");
        }
        ArrayArchive.writeString(recordFile, Outcome.JSON.writeValueAsString(record));
        ObjectiveScore score = new ObjectiveScore(req.objective());
        // the time budget ends the generator rather than the runner: Arbiter's MaxTimeCondition shuts the runner down
        // at once, killing the candidate that is running; this way that candidate finishes and no new one starts
        long deadline = req.maxTime() == null ? Long.MAX_VALUE : System.nanoTime() + req.maxTime().toNanos();
        CandidateGenerator gen = new BaseFirst(req.space(), generator(req.space(), score), req.candidates(), deadline);
        List<TerminationCondition> stop = new ArrayList<>();
        stop.add(new MaxCandidatesCondition(req.candidates()));
        FolderSaver saver = new FolderSaver(req.out(), req.space());
        Tasks tasks = new Tasks(req, runner, saver, score);
        stop.add(new GeneratorDone((BaseFirst) gen, tasks));
        OptimizationConfiguration conf = new OptimizationConfiguration.Builder().candidateGenerator(gen)
                .dataProvider(new NoData()).modelSaver(saver).scoreFunction(score).terminationConditions(stop)
                .rngSeed(req.seed()).build();
        LocalOptimizationRunner r = new LocalOptimizationRunner(1, conf, tasks);
        r.addListeners(listeners.toArray(new StatusListener[0]));
        r.execute();
        r.shutdown(true);
        List<Outcome> all = Outcome.withStandings(finished(req.out(), req.space()));
        if (all.isEmpty()) {
            throw new IOException("search " + req.out() + ": no candidate finished (" + tasks.failed + " failed; see "
                    + "their folders' error.txt)");
        }
        Comparator<Outcome> byObjective = Comparator.comparingDouble((Outcome o) -> {
            double v = o.value(req.objective());
            return Double.isNaN(v) ? Double.NEGATIVE_INFINITY : v;
        }).reversed().thenComparingInt(Outcome::index);
        List<Outcome> ranked = all.stream().sorted(byObjective).toList();
        Outcome chosen = ranked.get(0);
        BaseGuard.Decision decision = null;
        Outcome base = all.get(0).index() == 0 ? all.get(0) : null;
        if (req.guard() && chosen.index() != 0 && base != null) {
            runReplicates(req, runner, deadline, base);
            decision = guard(req.out(), req.objective(), chosen.index(), req.seed(), req.replicates(), false);
            if (decision != null && req.confirmPick() && decision.leads()) {
                runReplicates(req, runner, deadline, chosen);
                decision = guard(req.out(), req.objective(), chosen.index(), req.seed(), req.replicates(), true);
            }
            if (decision != null && !decision.replaceBase()) {
                chosen = base;
            }
        }
        Result res = new Result(ranked, req.objective(), tasks.ran, tasks.failed, chosen, decision);
        write(req, res, record);
        return res;
    }

    private static ObjectNode record(Request req) throws IOException {
        ObjectNode n = Outcome.JSON.createObjectNode();
        n.put("format", FORMAT);
        n.put("method", req.space().method().cliName());
        n.set("space", req.space().description());
        n.set("base_config", Outcome.JSON.readTree(req.space().base().toJson()));
        n.put("seed", req.seed());
        n.put("objective", req.objective().cliName());
        n.put("guard_replicates", req.guard() ? req.replicates() : 0);
        n.put("confirm_pick", req.guard() && req.confirmPick());
        n.put("supervised", req.objective().supervised());
        n.set("fingerprints", Outcome.JSON.valueToTree(req.fingerprints()));
        n.set("versions", Outcome.JSON.valueToTree(org.coft.dl4j.adapt.Adaptation.versions()));
        return n;
    }

    static CandidateGenerator generator(SearchSpace s, ScoreFunction score) {
        return switch (s.generator()) {
            case RANDOM -> new RandomSearchGenerator(s, null);
            case GRID -> new GridSearchCandidateGenerator(s, s.gridPoints(), GridSearchCandidateGenerator.Mode.Sequential,
                    null);
            case GENETIC -> new GeneticSearchCandidateGenerator.Builder(s, score).build();
        };
    }

    /** The folder of candidate {@code index}. */
    public static Path candidateDir(Path out, int index) {
        return out.resolve("candidates").resolve(String.format(Locale.ROOT, "%03d", index));
    }

    /** Every finished candidate of a search folder, by index. */
    public static List<Outcome> finished(Path out, SearchSpace space) throws IOException {
        Path dir = out.resolve("candidates");
        List<Outcome> all = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return all;
        }
        try (var s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                if (Files.isRegularFile(p.resolve(Outcome.FILE))) {
                    all.add(withLaterObjectives(Outcome.read(p.resolve(Outcome.FILE), space.base()), p));
                }
            }
        }
        all.sort(Comparator.comparingInt(Outcome::index));
        return all;
    }

    /**
     * A finished candidate with the per-run label-free objectives its {@value Outcome#FILE} lacks (those added to
     * arbiter-search after it ran) computed from its saved evidence, where it has one: a search made before an
     * objective existed is ranked and reported by it without running a candidate again.
     */
    static Outcome withLaterObjectives(Outcome o, Path dir) throws IOException {
        List<Objective> missing = new ArrayList<>();
        for (Objective ob : Objective.labelFree()) {
            if (!ob.population() && ob != Objective.COMBINED && !o.objectives().containsKey(ob)) {
                missing.add(ob);
            }
        }
        Path f = dir.resolve(CandidateProcess.EVIDENCE);
        if (missing.isEmpty() || !Files.isRegularFile(f)) {
            return o;
        }
        Objective.Evidence e = readEvidence(f);
        Map<Objective, Double> values = new LinkedHashMap<>(o.objectives());
        for (Objective ob : missing) {
            values.put(ob, ob.value(e));
        }
        return new Outcome(o.index(), o.settings(), o.config(), values, o.seconds(), o.phase1From());
    }

    private static void write(Request req, Result res, ObjectNode record) throws IOException {
        List<Objective> cols = Objective.labelFree();
        StringBuilder csv = new StringBuilder("rank,candidate");
        for (Objective o : cols) {
            csv.append(',').append(o.cliName());
        }
        if (req.objective().supervised()) {
            csv.append(',').append(Objective.VALIDATION_ACCURACY.cliName());
        }
        csv.append(",seconds,settings\n");
        PrintWriter log = req.log();
        log.printf("search: %d candidate(s) finished (%d run now, %d failed), ranked by %s%s%n", res.ranking().size(),
                res.ranThisTime(), res.failed(), req.objective().cliName(), req.objective().supervised()
                        ? " (SUPERVISED: uses the labelled --validation images)" : " (label-free)");
        log.printf("%4s %4s %10s %7s  %s%n", "rank", "cand", req.objective().cliName(), "sec", "settings");
        int rank = 1;
        for (Outcome o : res.ranking()) {
            csv.append(rank).append(',').append(o.index());
            for (Objective c : cols) {
                csv.append(',').append(fmt(o.value(c)));
            }
            if (req.objective().supervised()) {
                csv.append(',').append(fmt(o.value(Objective.VALIDATION_ACCURACY)));
            }
            csv.append(',').append(String.format(Locale.ROOT, "%.1f", o.seconds())).append(",\"")
                    .append(o.describe().replace("\"", "\"\"")).append("\"\n");
            log.printf(Locale.ROOT, "%4d %4d %10s %7.1f  %s%n", rank, o.index(), fmt(o.value(req.objective())),
                    o.seconds(), o.describe());
            rank++;
        }
        ArrayArchive.writeString(req.out().resolve(RANKING), csv.toString());
        Outcome top = res.best();
        Outcome best = res.chosen();
        if (res.guard() != null) {
            log.printf("search: candidate %d against the base config: %s; %s%n", top.index(),
                    res.guard().describe(req.objective()), res.guard().replaceBase() ? "clearly better, chosen"
                            : "not above " + BaseGuard.Z + " standard errors, so the base config (candidate 0) is kept "
                            + "(coft search --no-guard takes the top candidate)");
        }
        String bestJson = req.space().method() == Method.COFT_PHASE1 ? best.config().phase1().toJson()
                : best.config().toJson();
        ArrayArchive.writeString(req.out().resolve(BEST), bestJson + "\n");
        ObjectNode s = record.deepCopy();
        s.put("candidates_finished", res.ranking().size());
        s.put("candidates_failed_this_run", res.failed());
        s.put("best_candidate", best.index());
        s.put("best_objective", best.value(req.objective()));
        s.set("best_settings", Outcome.JSON.valueToTree(best.settings()));
        s.put("best_config_file", BEST);
        if (res.guard() != null) {
            s.set("guard", Outcome.JSON.valueToTree(res.guard().toMap()));
        }
        s.put("base_candidate_objective", res.ranking().stream().filter(o -> o.index() == 0)
                .mapToDouble(o -> o.value(req.objective())).findFirst().orElse(Double.NaN));
        s.put("created", Instant.now().toString());
        ArrayArchive.writeString(req.out().resolve(SUMMARY), Outcome.JSON.writeValueAsString(s));
        log.println("search: best candidate " + best.index() + " (" + best.describe() + "); its config: "
                + req.out().resolve(BEST) + (req.space().method() == Method.COFT_PHASE1 ? " (coft adapt --method "
                + "coft-phase1 --config it)" : " (coft adapt --method " + req.space().method().cliName() + " --config it)"));
        log.printf(Locale.ROOT, "best objective=%.6f%n", best.value(req.objective()));
        log.flush();
    }

    /**
     * The {@link BaseGuard}'s decision on candidate {@code pick} against the base config (candidate 0), from the two
     * evidence files and at most {@code replicates} replicate runs of each (with {@code confirm}, the pick's, where it
     * has them, give the decision's {@link BaseGuard.Confirmation}); null when an evidence file is missing (a search
     * made before they were written).
     */
    static BaseGuard.Decision guard(Path out, Objective o, int pick, long seed, int replicates, boolean confirm)
            throws IOException {
        Objective.Evidence eb = evidence(out, 0);
        Objective.Evidence ep = evidence(out, pick);
        if (eb == null || ep == null) {
            return null;
        }
        List<Objective.Evidence> again = replicates(out, 0, seed);
        List<Objective.Evidence> pickAgain = confirm ? replicates(out, pick, seed) : List.of();
        return BaseGuard.decide(o, eb, ep, again.subList(0, Math.min(replicates, again.size())),
                pickAgain.subList(0, Math.min(replicates, pickAgain.size())), seed);
    }

    /** The folder of the base config's replicate run {@code r} (1, 2, …), run with the search's seed + r. */
    public static Path replicateDir(Path out, int r) {
        return replicateDir(out, 0, r);
    }

    /**
     * The folder of candidate {@code index}'s replicate run {@code r} (1, 2, …), run with the search's seed + r: the
     * base config's ({@code index} 0) in {@code replicates/NN}, another candidate's in
     * {@code replicates/candidate-NNN/NN}.
     */
    public static Path replicateDir(Path out, int index, int r) {
        Path dir = out.resolve("replicates");
        if (index != 0) {
            dir = dir.resolve(String.format(Locale.ROOT, "candidate-%03d", index));
        }
        return dir.resolve(String.format(Locale.ROOT, "%02d", r));
    }

    /**
     * The evidence of the base config's finished replicate runs in a search folder (with the seeds the search's seed
     * gives them), in order; empty when none ran.
     */
    public static List<Objective.Evidence> replicates(Path out, long seed) throws IOException {
        return replicates(out, 0, seed);
    }

    /** As {@link #replicates(Path, long)} for candidate {@code index}'s replicate runs. */
    public static List<Objective.Evidence> replicates(Path out, int index, long seed) throws IOException {
        List<Objective.Evidence> all = new ArrayList<>();
        for (int r = 1; Files.isDirectory(replicateDir(out, index, r)); r++) {
            Path dir = replicateDir(out, index, r);
            Path done = dir.resolve(REPLICATE);
            if (Files.isRegularFile(done)) {
                JsonNode rec = org.coft.dl4j.run.JsonFiles.readObject(done, "a replicate run of candidate " + index);
                long s = rec.path("seed").asLong();
                if (s != seed + r) {
                    throw new IOException(done + ": run with seed " + s + ", expected " + (seed + r) + " (the search's "
                            + "seed + " + r + ")");
                }
                int c = rec.path("candidate").asInt(0);
                if (c != index) {
                    throw new IOException(done + ": a replicate run of candidate " + c + ", expected " + index);
                }
                all.add(readEvidence(dir.resolve(CandidateProcess.EVIDENCE)));
            }
        }
        return all;
    }

    /** Written last in a finished replicate run's folder: its candidate, seed, time and label-free objectives. */
    static final String REPLICATE = "replicate.json";

    /**
     * Runs a candidate again with the search's seed + 1 … + {@link Request#replicates()} (a finished one is read back,
     * an interrupted one resumes in its folder), for the {@link BaseGuard}: the base config's replicates measure the
     * run noise, the pick's confirm its lead with runs that did not choose it. Stops at the time budget and when the
     * runner cannot vary its seed; a failed replicate is logged and left out (a rerun tries it again).
     */
    static void runReplicates(Request req, CandidateRunner runner, long deadline, Outcome which) throws IOException {
        SearchSpace.Point point = which.index() == 0 ? new SearchSpace.Point(req.space().base(), Map.of())
                : new SearchSpace.Point(which.config(), which.settings());
        String name = which.index() == 0 ? "base config" : "candidate " + which.index();
        String why = which.index() == 0 ? "to measure how far the objective moves between runs of one config"
                : "to confirm its lead with runs that did not choose it";
        for (int r = 1; r <= req.replicates(); r++) {
            Path dir = replicateDir(req.out(), which.index(), r);
            String tag = String.format(Locale.ROOT, "guard: %s, replicate %d/%d (seed %d)", name, r,
                    req.replicates(), req.seed() + r);
            if (Files.isRegularFile(dir.resolve(REPLICATE))) {
                req.log().println(tag + ": finished before, read back");
                continue;
            }
            if (System.nanoTime() >= deadline) {
                req.log().println(tag + ": not run, the time budget is spent (the guard counts the runs it has; a "
                        + "rerun on the same --out with more --max-time runs it)");
                break;
            }
            CandidateRunner again = runner.withSeed(req.seed() + r);
            if (again == null) {
                req.log().println(tag + ": not run, this runner cannot change its seed (the guard counts the "
                        + (which.index() == 0 ? "images' error only)" : "pick's own run only)"));
                break;
            }
            req.log().println(tag + ": runs " + why);
            req.log().flush();
            long t0 = System.nanoTime();
            Objective.Evidence e;
            try {
                Files.createDirectories(dir);
                e = again.run(which.index(), point, dir).evidence();
            } catch (Exception ex) {
                req.log().printf("%s: FAILED: %s (left out of the guard; a rerun tries it again)%n", tag,
                        keepError(dir, ex));
                continue;
            }
            writeEvidence(dir, e);
            ObjectNode n = Outcome.JSON.createObjectNode();
            n.put("candidate", which.index());
            n.put("seed", req.seed() + r);
            n.put("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
            ObjectNode values = n.putObject("objectives");
            Map<Objective, Double> perRun = perRun(e);
            for (Objective ob : Objective.labelFree()) {
                double v = perRun.getOrDefault(ob, Double.NaN);
                if (!Double.isNaN(v)) {
                    values.put(ob.cliName(), v);
                }
            }
            ArrayArchive.writeString(dir.resolve(REPLICATE), Outcome.JSON.writeValueAsString(n));
            req.log().printf(Locale.ROOT, "%s: in %.0f s (%s)%n", tag, n.path("seconds").asDouble(),
                    labelFreeValues(perRun));
            req.log().flush();
        }
    }

    /**
     * Every objective one run's evidence gives on its own: all but the population objectives (a standing among
     * candidates is computed when they are ranked).
     */
    static Map<Objective, Double> perRun(Objective.Evidence e) {
        Map<Objective, Double> values = new LinkedHashMap<>();
        for (Objective ob : Objective.values()) {
            if (!ob.population()) {
                values.put(ob, ob.value(e));
            }
        }
        return values;
    }

    /** The label-free values of a run for its log line: "name value" pairs, NaN left out. */
    static String labelFreeValues(Map<Objective, Double> values) {
        StringBuilder sb = new StringBuilder();
        for (Objective ob : Objective.labelFree()) {
            double v = values.getOrDefault(ob, Double.NaN);
            if (!Double.isNaN(v)) {
                sb.append(String.format(Locale.ROOT, " %s %.4f", ob.cliName(), v));
            }
        }
        return sb.toString().trim();
    }

    /** Keeps a failed run's stack trace in its folder ({@code error.txt}); returns the failure's message. */
    static String keepError(Path dir, Throwable e) throws IOException {
        java.io.StringWriter sw = new java.io.StringWriter();
        e.printStackTrace(new PrintWriter(sw));
        ArrayArchive.writeString(dir.resolve("error.txt"), sw.toString());
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** A candidate's evidence file (what the objectives were computed from), or null when it has none. */
    public static Objective.Evidence evidence(Path out, int index) throws IOException {
        Path f = candidateDir(out, index).resolve(CandidateProcess.EVIDENCE);
        return Files.isRegularFile(f) ? readEvidence(f) : null;
    }

    static Objective.Evidence readEvidence(Path f) throws IOException {
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(Files.newInputStream(f))) {
            return (Objective.Evidence) in.readObject();
        } catch (ClassNotFoundException | ClassCastException | java.io.InvalidClassException e) {
            throw new IOException(f + ": not the evidence of a search candidate (" + e + ")", e);
        }
    }

    static void writeEvidence(Path dir, Objective.Evidence e) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(e);
        }
        ArrayArchive.writeBytes(dir.resolve(CandidateProcess.EVIDENCE), bytes.toByteArray());
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }


    /**
     * Candidate 0 is the base config; then the space's generator (its candidates renumbered from 1); none after
     * {@code max} candidates or past the deadline ({@link System#nanoTime()}).
     */
    static final class BaseFirst implements CandidateGenerator {
        private final SearchSpace space;
        private final CandidateGenerator inner;
        private final int max;
        private final long deadline;
        private boolean baseGiven;
        private volatile int issued;

        BaseFirst(SearchSpace space, CandidateGenerator inner, int max, long deadline) {
            this.space = space;
            this.inner = inner;
            this.max = max;
            this.deadline = deadline;
        }

        @Override
        public boolean hasMoreCandidates() {
            return issued < max && System.nanoTime() < deadline && (!baseGiven || inner.hasMoreCandidates());
        }

        @Override
        public Candidate getCandidate() {
            issued++;
            if (!baseGiven) {
                baseGiven = true;
                return new Candidate<>(space.base(), 0, new double[0]);
            }
            Candidate c = inner.getCandidate();
            c.setIndex(c.getIndex() + 1);
            return c;
        }

        @Override
        public void reportResults(OptimizationResult result) {
            if (result.getCandidate().getIndex() > 0) {
                inner.reportResults(result);
            }
        }

        @Override
        public ParameterSpace<?> getParameterSpace() {
            return space;
        }

        @Override
        public void setRngSeed(long seed) {
            inner.setRngSeed(seed);
        }

        @Override
        public Class<?> getCandidateType() {
            return org.coft.dl4j.adapt.CoftConfig.class;
        }
    }

    /**
     * Ends the run once the generator has nothing more and no candidate is running (Arbiter's runner otherwise waits
     * for ever on a finished grid or a spent time budget).
     */
    static final class GeneratorDone implements TerminationCondition {
        private final BaseFirst gen;
        private final Tasks tasks;

        GeneratorDone(BaseFirst gen, Tasks tasks) {
            this.gen = gen;
            this.tasks = tasks;
        }

        @Override
        public void initialize(IOptimizationRunner runner) {
        }

        @Override
        public boolean terminate(IOptimizationRunner runner) {
            return !gen.hasMoreCandidates() && tasks.ended.get() >= gen.issued;
        }
    }

    /** Arbiter's score of a candidate: its {@link Outcome}'s value of the objective (maximised). */
    static final class ObjectiveScore implements ScoreFunction {
        private final Objective objective;

        ObjectiveScore(Objective objective) {
            this.objective = objective;
        }

        @Override
        public double score(Object model, DataProvider data, Map<String, Object> params) {
            return ((Outcome) model).value(objective);
        }

        @Override
        public double score(Object model, Class<? extends DataSource> source, Properties props) {
            return ((Outcome) model).value(objective);
        }

        @Override
        public boolean minimize() {
            return false;
        }

        @Override
        public List<Class<?>> getSupportedModelTypes() {
            return List.of(Outcome.class);
        }

        @Override
        public List<Class<?>> getSupportedDataTypes() {
            return List.of(Object.class);
        }
    }

    /** The runner needs a data provider; the task's images live in the {@link CandidateRunner}. */
    static final class NoData implements DataProvider {
        @Override
        public Object trainData(Map<String, Object> params) {
            return null;
        }

        @Override
        public Object testData(Map<String, Object> params) {
            return null;
        }

        @Override
        public Class<?> getDataType() {
            return Object.class;
        }
    }

    /** Saves nothing more (the candidate wrote {@link Outcome#FILE}); its reference reads that file back. */
    static final class FolderSaver implements ResultSaver {
        private final Path out;
        private final SearchSpace space;

        FolderSaver(Path out, SearchSpace space) {
            this.out = out;
            this.space = space;
        }

        @Override
        public ResultReference saveModel(OptimizationResult result, Object model) {
            Path file = candidateDir(out, result.getIndex()).resolve(Outcome.FILE);
            return new ResultReference() {
                @Override
                public OptimizationResult getResult() {
                    return result;
                }

                @Override
                public Object getResultModel() throws IOException {
                    return withLaterObjectives(Outcome.read(file, space.base()), file.getParent());
                }
            };
        }

        @Override
        public List<Class<?>> getSupportedCandidateTypes() {
            return List.of(org.coft.dl4j.adapt.CoftConfig.class);
        }

        @Override
        public List<Class<?>> getSupportedModelTypes() {
            return List.of(Outcome.class);
        }
    }

    /** Arbiter's task creator: reads a finished candidate back, or runs it and writes its {@link Outcome}. */
    static final class Tasks implements TaskCreator {
        private final Request req;
        private final CandidateRunner runner;
        private final FolderSaver saver;
        private final ObjectiveScore score;
        volatile int ran;
        volatile int failed;
        final java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger();

        Tasks(Request req, CandidateRunner runner, FolderSaver saver, ObjectiveScore score) {
            this.req = req;
            this.runner = runner;
            this.saver = saver;
            this.score = score;
        }

        @Override
        public Callable<OptimizationResult> create(Candidate candidate, DataProvider data, ScoreFunction sf,
                                                   List<StatusListener> listeners, IOptimizationRunner r) {
            // as Arbiter's own task creators do, the task tells the runner's status listeners how the candidate ended
            return () -> {
                long started = System.currentTimeMillis();
                try {
                    OptimizationResult res = task(candidate);
                    tell(listeners, res.getCandidateInfo(), r, res);
                    return res;
                } catch (Exception | Error e) {
                    tell(listeners, new CandidateInfo(candidate.getIndex(), CandidateStatus.Failed, null, started,
                            started, System.currentTimeMillis(), candidate.getFlatParameters(), e.toString()), r, null);
                    throw e;
                } finally {
                    ended.incrementAndGet();
                }
            };
        }

        private static void tell(List<StatusListener> listeners, CandidateInfo info, IOptimizationRunner r,
                                 OptimizationResult res) {
            for (StatusListener l : listeners == null ? List.<StatusListener>of() : listeners) {
                try {
                    l.onCandidateStatusChange(info, r, res);
                } catch (RuntimeException e) { // a listener's failure is not the candidate's
                    org.slf4j.LoggerFactory.getLogger(CoftSearch.class).warn("status listener failed on candidate {}",
                            info.getIndex(), e);
                }
            }
        }

        @Override
        public Callable<OptimizationResult> create(Candidate candidate, Class<? extends DataSource> source,
                                                   Properties props, ScoreFunction sf, List<StatusListener> listeners,
                                                   IOptimizationRunner r) {
            return create(candidate, (DataProvider) null, sf, listeners, r);
        }

        /**
         * The candidate's objective value; for a population objective its standing among the candidates finished so
         * far (read from their folders).
         */
        private double score(Outcome o) throws IOException {
            if (!req.objective().population()) {
                return o.value(req.objective());
            }
            List<Outcome> done = new ArrayList<>(finished(req.out(), req.space()));
            done.removeIf(d -> d.index() == o.index());
            done.add(o);
            List<Outcome> st = Outcome.withStandings(done);
            return st.get(st.size() - 1).value(req.objective());
        }

        private OptimizationResult task(Candidate candidate) throws Exception {
            int idx = candidate.getIndex();
            double[] x = candidate.getFlatParameters();
            SearchSpace.Point p = idx == 0 ? new SearchSpace.Point(req.space().base(), Map.of())
                    : req.space().settings(x);
            Path dir = candidateDir(req.out(), idx);
            Path file = dir.resolve(Outcome.FILE);
            long created = System.currentTimeMillis();
            Outcome o;
            double s; // a population objective's value for Arbiter: the standing among those finished so far
            String soFar = req.objective().population() ? " (so far)" : "";
            String tag = String.format(Locale.ROOT, "candidate %d/%d", idx, req.candidates() - 1);
            if (Files.isRegularFile(file)) {
                o = withLaterObjectives(Outcome.read(file, req.space().base()), dir);
                JsonNode want = Outcome.JSON.readTree(p.config().toJson());
                JsonNode have = Outcome.JSON.readTree(o.config().toJson());
                if (!want.equals(have)) {
                    throw new IOException(file + ": candidate " + idx + " was run with other settings ("
                            + o.describe() + "; now: " + Outcome.describe(p.settings()) + "): the search's generator changed; use a fresh --out");
                }
                s = score(o);
                req.log().printf(Locale.ROOT, "%s: finished before, read back: %s -> %s %.4f%s%n", tag,
                        o.describe(), req.objective().cliName(), s, soFar);
            } else {
                req.log().printf("%s: %s%n", tag, Outcome.describe(p.settings()));
                req.log().flush();
                long t0 = System.nanoTime();
                CandidateRunner.Result res;
                try {
                    Files.createDirectories(dir);
                    res = runner.run(idx, p, dir);
                } catch (Exception | Error e) {
                    failed++;
                    String msg = e.getMessage() == null ? e.toString() : e.getMessage();
                    req.log().printf("%s: FAILED: %s (the candidate's folder keeps what it wrote; a rerun tries it "
                            + "again)%n", tag, msg);
                    req.log().flush();
                    keepError(dir, e);
                    throw e;
                }
                Map<Objective, Double> values = perRun(res.evidence());
                o = new Outcome(idx, p.settings(), p.config(), values, Math.round((System.nanoTime() - t0) / 1e8) / 10.0,
                        res.phase1From());
                writeEvidence(dir, res.evidence());
                o.write(dir);
                ran++;
                s = score(o);
                req.log().printf(Locale.ROOT, "%s: %s %.4f%s in %.0f s (%s)%n", tag, req.objective().cliName(), s,
                        soFar, o.seconds(), labelFreeValues(values));
                req.log().flush();
            }
            OptimizationResult result = new OptimizationResult(candidate, s, idx, o,
                    new CandidateInfo(idx, CandidateStatus.Complete, s, created, created, System.currentTimeMillis(),
                            x, null), null);
            result.setResultReference(saver.saveModel(result, o));
            return result;
        }
    }
}
