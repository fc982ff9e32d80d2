package org.coft.dl4j.adapt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.coft.dl4j.phase2.PhaseTwo;
import org.coft.dl4j.run.JsonFiles;
import org.coft.dl4j.run.RunFolder;
import org.coft.dl4j.train.StepInfo;
import org.coft.dl4j.train.TrainingListener;

/**
 * What a CoFT / CoFT+ run did, recorded for its report ({@code coft report}): the time and peak resident memory of
 * every stage, every model's loss terms per step, and the clean-set sizes of every Phase I round. Nothing here
 * reads a label. A listener of both phases' training (it records each step under the stage running then).
 *
 * <p>Written at the end of a session as {@value #FILE} (one entry per session: a resumed run appends one) and
 * {@value #HISTORY} (rows of earlier sessions kept, this session's appended with its session number). Stages a
 * session skipped because an earlier session finished them show up with their (short) time in that session.
 */
public final class RunTrace implements TrainingListener {
    /** Stage times, memory and Phase I rounds' clean sets. */
    public static final String FILE = org.coft.dl4j.run.RunFolder.TRACE;
    /** Loss terms of every training step: session,stage,model,step,epoch,loss,l1,l2,lr. */
    public static final String HISTORY = org.coft.dl4j.run.RunFolder.HISTORY;
    static final String HISTORY_HEADER = "session,stage,model,step,epoch,loss,l1,l2,lr";

    /** One stage of one session. */
    public record Stage(String name, double seconds, long peakRssMib) { }

    /** The clean sets after one Phase I round: how many of each model's labels the filter kept. */
    public record Round(int round, int images, int keptA, int keptB, int bothKeptAgreeing) { }

    private final List<Stage> stages = new ArrayList<>();
    private final List<Round> rounds = new ArrayList<>();
    private final StringBuilder steps = new StringBuilder();
    private final String started = Instant.now().toString();
    private String stage;
    private long stageStart;

    /** Starts timing {@code name}, ending the stage before it. */
    public synchronized void begin(String name) {
        end();
        stage = name;
        stageStart = System.nanoTime();
    }

    /** Ends the running stage (if any), recording its time and the peak memory so far. */
    public synchronized void end() {
        if (stage != null) {
            long kib = CoftPipeline.peakRssKib();
            stages.add(new Stage(stage, (System.nanoTime() - stageStart) / 1e9, kib > 0 ? Math.round(kib / 1024.0) : -1));
            stage = null;
        }
    }

    /** Records round {@code round}'s filter outcome. */
    public synchronized void round(int round, PhaseTwo.Labels labels) {
        boolean[] a = labels.keptA();
        boolean[] b = labels.keptB();
        if (a == null || b == null) {
            return;
        }
        int ka = 0;
        int kb = 0;
        int both = 0;
        for (int i = 0; i < a.length; i++) {
            ka += a[i] ? 1 : 0;
            kb += b[i] ? 1 : 0;
            both += a[i] && b[i] && labels.labelsA()[i] == labels.labelsB()[i] ? 1 : 0;
        }
        rounds.add(new Round(round, a.length, ka, kb, both));
    }

    public synchronized List<Stage> stages() {
        return List.copyOf(stages);
    }

    public synchronized List<Round> rounds() {
        return List.copyOf(rounds);
    }

    @Override
    public synchronized void onStep(StepInfo s) {
        steps.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%.6g,%.6g,%.6g,%.6g%n", csv(stage == null ? "" : stage),
                csv(s.model()), s.step(), s.epoch(), s.loss(), s.l1(), s.l2(), s.learningRate()));
    }

    /**
     * Ends the running stage and writes {@value #FILE} and {@value #HISTORY} into {@code out} (recorded in
     * {@code files}), after the sessions an earlier run of the folder left there.
     */
    public synchronized void write(RunFolder files, Path out) throws IOException {
        end();
        Path traceFile = out.resolve(FILE);
        Path historyFile = out.resolve(HISTORY);
        ObjectNode root = Adaptation.JSON.createObjectNode();
        ArrayNode sessions;
        if (Files.isRegularFile(traceFile) && files.recorded(traceFile)) {
            JsonNode before = JsonFiles.readObject(files.verified(traceFile), "a coft run trace");
            sessions = before.path("sessions").isArray() ? (ArrayNode) before.get("sessions").deepCopy()
                    : Adaptation.JSON.createArrayNode();
        } else {
            sessions = Adaptation.JSON.createArrayNode();
        }
        int session = sessions.size() + 1;
        root.put("format", "coft-trace/1");
        ObjectNode s = sessions.addObject();
        s.put("session", session);
        s.put("started", started);
        ArrayNode st = s.putArray("stages");
        for (Stage x : stages) {
            ObjectNode o = st.addObject();
            o.put("stage", x.name());
            o.put("seconds", Math.round(x.seconds() * 10) / 10.0);
            if (x.peakRssMib() > 0) {
                o.put("peak_rss_mib", x.peakRssMib());
            }
        }
        ArrayNode rs = s.putArray("rounds");
        for (Round r : rounds) {
            ObjectNode o = rs.addObject();
            o.put("round", r.round());
            o.put("images", r.images());
            o.put("kept_a", r.keptA());
            o.put("kept_b", r.keptB());
            o.put("both_kept_agreeing", r.bothKeptAgreeing());
        }
        root.set("sessions", sessions);
        String history = Files.isRegularFile(historyFile) && files.recorded(historyFile)
                ? Files.readString(files.verified(historyFile)) : HISTORY_HEADER + "\n";
        StringBuilder sb = new StringBuilder(history);
        for (String line : steps.toString().split("\n")) {
            if (!line.isEmpty()) {
                sb.append(session).append(',').append(line).append('\n');
            }
        }
        files.writeString(historyFile, RunFolder.Kind.RECORD, sb.toString());
        files.writeString(traceFile, RunFolder.Kind.RECORD, Adaptation.JSON.writeValueAsString(root));
    }

    private static String csv(String s) {
        return org.coft.dl4j.phase1.PhaseOne.csv(s);
    }
}
