package org.coft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.coft.datavec.source.ClassList;
import org.coft.datavec.source.ImageSource;
import org.coft.datavec.source.ImageSources;
import org.coft.datavec.source.SourceOptions;
import org.coft.datavec.source.UnlabeledImages;
import org.coft.dl4j.adapt.Adaptation;
import org.coft.dl4j.adapt.CoftConfig;
import org.coft.dl4j.adapt.Method;
import org.coft.dl4j.phase1.ImageViews;
import org.coft.dl4j.phase1.PhaseOne;
import org.coft.search.CoftCandidates;
import org.coft.search.CoftSearch;
import org.coft.search.Objective;
import org.coft.search.SearchSpace;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.BaseStatusListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code coft search}: a label-free hyper-parameter search over CoFT on Arbiter. Labels in {@code --data} are never
 * read; only the supervised objective reads labels, and only those of the separate {@code --validation} images.
 */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Search CoFT's settings without labels (Arbiter): runs candidates from a search space, scores "
                + "each with a label-free objective, and writes the ranking and the best config (best.json, which coft "
                + "adapt --config reads) to --out. Running again on the same --out continues.")
final class SearchCommand implements Callable<Integer> {
    @Mixin
    ImageReading reading = new ImageReading();

    @Option(names = "--method", defaultValue = "coft", description = "coft, coft-plus or coft-phase1 "
            + "(default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--data", required = true, description = "unlabeled images: a folder (sub-folders are ignored as "
            + "labels), a .csv manifest or idx:IMAGES")
    String data;

    @Option(names = "--out", required = true, description = "search folder (candidates, ranking, best.json)")
    Path out;

    @Option(names = "--space", description = "a JSON or YAML search space file (format: arbiter-search/README.md), or the "
            + "name of a built-in space: default (the method's default space; used when --space is not given) or wide "
            + "(each setting over a wider range)")
    String space;

    @Option(names = "--objective", description = "phase1-agreement, pclean-separation, stability, soft-stability, "
            + "balance, prior-fit, anchor-agreement, phase2-change, mixval-inter, mixval-intra, mixval-rank, "
            + "confidence, combined, or validation-accuracy (supervised: needs --validation) (default: stability "
            + "for coft and coft-plus, combined for coft-phase1)")
    String objective;

    @Option(names = "--candidates", defaultValue = "20", description = "candidates in all, the base config (candidate 0)"
            + " included (default: ${DEFAULT-VALUE})")
    int candidates;

    @Option(names = "--max-time", description = "start no candidate after this long, e.g. 30m, 2h, 90s, PT1H")
    String maxTime;

    @Option(names = "--seed", defaultValue = "0", description = "the search's seed: the generator's and every "
            + "candidate's run seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--model", description = "CLIP model directory (default: the embedded micro-CLIP)")
    Path model;

    @Option(names = "--classes", description = "class names, one per line (default: the data folder's classes.txt)")
    Path classes;

    @Option(names = "--config", description = "the base config every candidate starts from (default: the method's "
            + "defaults); candidate 0 runs it as it is; JSON or YAML")
    Path config;

    @Option(names = "--prompts", description = "zero-shot templates and class descriptions that pick the first labels "
            + "(default: CLIP's basic prompt; a data folder's prompts.json is read only when named here)")
    Path prompts;

    @Option(names = "--validation", description = "SUPERVISED objective only: a labelled folder or manifest whose "
            + "accuracy is the objective validation-accuracy")
    String validation;

    @Option(names = "--no-guard", description = "write the top candidate to best.json even when its objective is not "
            + "clearly (2 standard errors of images and runs) above the base config's")
    boolean noGuard;

    @Option(names = "--replicates", defaultValue = "2", description = "runs of the base config with other seeds (the "
            + "search's + 1, + 2, ...) that measure the run noise the guard counts, made only when the top candidate is "
            + "not the base config; 0: the images' error only (default: ${DEFAULT-VALUE})")
    int replicates;

    @Option(names = "--confirm-pick", description = "where the top candidate leads the base config on its own run, "
            + "also run it with the replicates' seeds and keep the base config unless their mean leads too (the pick is "
            + "the best of many runs, which overstates it; measured on 20-candidate searches: the same decisions, 2 more "
            + "runs)")
    boolean confirmPick;

    @Option(names = "--in-process", description = "run every candidate in this JVM instead of a child JVM each "
            + "(faster to start; resident memory then grows by a few hundred MB per candidate)")
    boolean inProcess;

    @Override
    public Integer call() throws Exception {
        Method m = Method.parse(method);
        CoftCandidates.requireSearchable(m);
        Objective obj = objective == null ? Objective.defaultFor(m) : Objective.parse(objective);
        if (obj.supervised() && validation == null) {
            throw new IllegalArgumentException("--objective " + obj.cliName() + " is supervised: it needs --validation "
                    + "PATH (a labelled folder kept apart from --data)");
        }
        if (!obj.supervised() && validation != null) {
            throw new IllegalArgumentException("--validation is read only by --objective validation-accuracy (the "
                    + "supervised one); with " + obj.cliName() + " no labels are read — drop --validation");
        }
        if (candidates < 1) {
            throw new IllegalArgumentException("--candidates " + candidates + ": expected at least 1");
        }
        if (replicates < 0) {
            throw new IllegalArgumentException("--replicates " + replicates + ": expected 0 or more");
        }
        Duration budget = maxTime == null ? null : duration(maxTime);
        CoftConfig base = baseConfig(m);
        SearchSpace s = space(space, m, base);
        PrintWriter pw = new PrintWriter(System.out, true);
        ClassList cl = AdaptCommand.classList(classes, data);
        ImageSource source = ImageSources.open(data, SourceOptions.defaults()
                .withBadInput(reading.policy()).withClasses(cl));
        UnlabeledImages images = ImageViews.byFileName(source.images());
        Adaptation.checkInputs(cl.names(), images);
        boolean embedded = model == null;
        Path dir = embedded ? EmbeddedModel.extract() : model;
        CoftCandidates.Validation val = null;
        if (validation != null) {
            ImageSource vs = ImageSources.open(validation, SourceOptions.defaults()
                    .withBadInput(reading.policy()).withClasses(cl));
            var labels = vs.evaluationLabels().orElseThrow(() -> new IllegalArgumentException("--validation "
                    + validation + " has no labels (expected class sub-folders or a manifest with labels)"));
            val = new CoftCandidates.Validation(ImageViews.byFileName(vs.images()), labels::labelOf);
            pw.println("search: SUPERVISED objective validation-accuracy on " + validation + " ("
                    + vs.images().size() + " labelled images)");
        }
        Map<String, JsonNode> fingerprints = new LinkedHashMap<>();
        fingerprints.put("data_ids_sha256", TextNode.valueOf(PhaseOne.idsFingerprint(images)));
        fingerprints.put("images", com.fasterxml.jackson.databind.node.IntNode.valueOf(images.size()));
        fingerprints.put("classes", TextNode.valueOf(String.join("|", cl.names())));
        fingerprints.put("base_model", new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(Adaptation.hashes(dir)));
        pw.printf(Locale.ROOT, "search: %s on %s (%d images, %d classes), %s space %s, objective %s, %d candidates%s, "
                + "seed %d%n", m.cliName(), data, images.size(), cl.size(), s.generator().toString().toLowerCase(),
                s.paths(), obj.cliName(), candidates, budget == null ? "" : ", at most " + maxTime, seed);
        CoftCandidates runner = new CoftCandidates(m, new Adaptation.BaseModel(dir, embedded), images, data, cl.names(),
                seed, reading.threads, pw, val);
        if (!inProcess) {
            runner.forked(reading.badImages, validation);
        }
        runner.remember(out, CoftSearch.finished(out, s));
        Progress progress = new Progress();
        progress.begin("search candidates", "candidates", candidates, 0);
        try {
            CoftSearch.run(new CoftSearch.Request(s, obj, candidates, budget, seed, out, fingerprints, pw, !noGuard,
                    noGuard ? 0 : replicates, confirmPick),
                    runner, List.of(new CandidateProgress(progress)));
        } finally {
            progress.finish();
        }
        return 0;
    }

    /** Arbiter's status changes as the search's progress: candidates that completed or failed, of all. */
    private static final class CandidateProgress extends BaseStatusListener {
        private final Progress progress;
        private final java.util.Set<Integer> ended = new java.util.HashSet<>();

        CandidateProgress(Progress progress) {
            this.progress = progress;
        }

        @Override
        public void onCandidateStatusChange(CandidateInfo info, IOptimizationRunner runner, OptimizationResult result) {
            if (info.getCandidateStatus() == CandidateStatus.Complete
                    || info.getCandidateStatus() == CandidateStatus.Failed) {
                ended.add(info.getIndex());
                progress.update(ended.size());
            }
        }
    }

    private CoftConfig baseConfig(Method m) throws java.io.IOException {
        if (m == Method.COFT_PHASE1) {
            org.coft.dl4j.phase1.PhaseOneConfig p1 = config != null
                    ? org.coft.dl4j.phase1.PhaseOneConfig.read(config, Adaptation.defaultConfig(m))
                    : Adaptation.defaultConfig(m);
            return CoftConfig.coft().withPhase1(p1);
        }
        return AdaptCommand.withPrompts(config != null ? CoftConfig.read(config, CoftConfig.defaults(m))
                : CoftConfig.defaults(m), prompts);
    }

    /** 30m, 2h, 90s, 1h30m or ISO-8601 (PT30M). @throws IllegalArgumentException naming the value */
    static Duration duration(String s) {
        String t = s.trim();
        try {
            if (t.toUpperCase(Locale.ROOT).startsWith("PT")) {
                return positive(Duration.parse(t), s);
            }
            if (t.matches("(\\d+h)?(\\d+m)?(\\d+s)?") && !t.isEmpty()) {
                return positive(Duration.parse("PT" + t.toUpperCase(Locale.ROOT)), s);
            }
        } catch (java.time.format.DateTimeParseException e) {
            // falls through to the error below
        }
        throw new IllegalArgumentException("--max-time '" + s + "': expected a positive duration such as 30m, 2h, 90s, "
                + "1h30m or PT30M");
    }

    private static Duration positive(Duration d, String s) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("--max-time '" + s + "': expected a positive duration");
        }
        return d;
    }

    /**
     * {@code --space}: a file where one exists at that path, else a built-in space by name; a value that is both is
     * refused (say {@code ./wide} for the file).
     */
    static SearchSpace space(String value, Method m, CoftConfig base) throws java.io.IOException {
        if (value == null) {
            return SearchSpace.defaults(m, base);
        }
        Path file = Path.of(value);
        boolean named = SearchSpace.BUILT_IN.containsKey(value);
        if (named && Files.exists(file)) {
            throw new IllegalArgumentException("--space " + value + " is both a file in this folder and a built-in "
                    + "space's name: say ./" + value + " for the file");
        }
        if (named) {
            return SearchSpace.builtIn(value, m, base);
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("--space " + value + ": no such file, and not a built-in space ("
                    + String.join(", ", SearchSpace.BUILT_IN.keySet()) + ")");
        }
        return SearchSpace.read(file, m, base);
    }
}
