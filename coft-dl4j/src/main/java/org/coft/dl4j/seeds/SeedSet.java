package org.coft.dl4j.seeds;

import java.util.ArrayList;
import java.util.List;

/**
 * The seed set chosen from zero-shot scores: at most K examples per class, each example at most once.
 *
 * @param seeds      in class order, most confident first within a class
 * @param classes    number of classes
 * @param k          the requested examples per class
 * @param predicted  per class: how many examples zero-shot predicted as that class (candidates)
 * @param selected   per class: how many seeds the class got
 * @param filled     per class: how many of them were filled in ({@link ShortfallPolicy#FILL_BY_SCORE})
 */
public record SeedSet(List<Seed> seeds, int classes, int k, int[] predicted, int[] selected, int[] filled) {
    public SeedSet {
        seeds = List.copyOf(seeds);
    }

    public int size() {
        return seeds.size();
    }

    /** Classes that had fewer than K candidates predicted (before any filling). */
    public List<Integer> shortClasses() {
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            if (predicted[c] < k) {
                out.add(c);
            }
        }
        return out;
    }

    public int[] indices() {
        return seeds.stream().mapToInt(Seed::index).toArray();
    }

    public int[] labels() {
        return seeds.stream().mapToInt(Seed::label).toArray();
    }

    public List<String> ids() {
        return seeds.stream().map(Seed::id).toList();
    }

    /** One line per short class, naming it, its candidates and what was done; empty when none is short. */
    public List<String> report(List<String> classNames) {
        List<String> lines = new ArrayList<>();
        for (int c : shortClasses()) {
            lines.add(String.format("class '%s': %d of %d seeds predicted%s", classNames.get(c), predicted[c], k,
                    filled[c] > 0 ? ", " + filled[c] + " filled by score" : ", kept " + selected[c]));
        }
        return lines;
    }
}
