package org.coft.datavec;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The inputs a source left out under {@link BadInputPolicy#SKIP}, in the order they were found: those found
 * while opening the source and those found later while decoding during iteration. An input is listed once
 * even if it fails again in a later epoch. Thread-safe.
 */
public final class SkipReport {

    /** How many entries {@link #summary()} lists before saying "and N more". */
    public static final int SUMMARY_LIMIT = 20;

    private final Map<String, SkippedInput> entries = new LinkedHashMap<>();

    /**
     * Records a skipped input (ignored if its location is already listed).
     *
     * @param skipped the input
     * @return true if it was new
     */
    public synchronized boolean add(SkippedInput skipped) {
        return entries.putIfAbsent(skipped.location(), skipped) == null;
    }

    /** @return whether the location has been skipped */
    public synchronized boolean contains(String location) {
        return entries.containsKey(location);
    }

    /** @return a snapshot of all skipped inputs, in the order found */
    public synchronized List<SkippedInput> entries() {
        return List.copyOf(entries.values());
    }

    /** @return number of skipped inputs */
    public synchronized int count() {
        return entries.size();
    }

    /** @return true when nothing was skipped */
    public synchronized boolean isEmpty() {
        return entries.isEmpty();
    }

    /** @return number of skipped inputs per kind (kinds with none are absent) */
    public synchronized Map<BadInputKind, Integer> countsByKind() {
        Map<BadInputKind, Integer> counts = new EnumMap<>(BadInputKind.class);
        for (SkippedInput s : entries.values()) {
            counts.merge(s.kind(), 1, Integer::sum);
        }
        return counts;
    }

    /** @return "no inputs skipped", or a count by kind and the first {@value #SUMMARY_LIMIT} entries, one a line */
    public synchronized String summary() {
        if (entries.isEmpty()) {
            return "no inputs skipped";
        }
        StringBuilder sb = new StringBuilder();
        sb.append(entries.size()).append(" input(s) skipped ").append(countsByKind()).append(':');
        List<SkippedInput> list = new ArrayList<>(entries.values());
        for (int i = 0; i < Math.min(SUMMARY_LIMIT, list.size()); i++) {
            sb.append("\n  ").append(list.get(i));
        }
        if (list.size() > SUMMARY_LIMIT) {
            sb.append("\n  ... and ").append(list.size() - SUMMARY_LIMIT).append(" more");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return summary();
    }
}
