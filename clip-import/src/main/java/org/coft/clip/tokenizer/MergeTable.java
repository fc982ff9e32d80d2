package org.coft.clip.tokenizer;

import java.util.Arrays;

/**
 * The BPE merge rules as an open-addressing hash table from a symbol-id pair to its rank (position in the
 * merges list; lower merges first) and the id of the merged symbol. Written once at construction, read-only
 * afterwards, so it is safe to share between threads.
 */
final class MergeTable {

    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int[] results;
    private final int mask;
    private final int size;

    /**
     * @param left   left symbol id of each merge, in rank order; -1 marks a merge that can never apply
     * @param right  right symbol id of each merge
     * @param result id of the merged symbol
     */
    MergeTable(int[] left, int[] right, int[] result) {
        int capacity = Integer.highestOneBit(Math.max(4, left.length * 2 - 1)) << 1;
        this.keys = new long[capacity];
        this.ranks = new int[capacity];
        this.results = new int[capacity];
        this.mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
        int stored = 0;
        for (int rank = 0; rank < left.length; rank++) {
            if (left[rank] < 0 || right[rank] < 0 || result[rank] < 0) {
                continue;
            }
            long key = key(left[rank], right[rank]);
            int slot = slot(key);
            if (keys[slot] == EMPTY) {
                stored++;
            }
            // A repeated pair takes its later rank, as a Python dict built from the merges list does.
            keys[slot] = key;
            ranks[slot] = rank;
            results[slot] = result[rank];
        }
        this.size = stored;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** @return the slot holding {@code key}, or the empty slot where it would go */
    private int slot(long key) {
        int i = hash(key) & mask;
        while (keys[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** @return the slot of the pair, or -1 if the pair has no merge rule */
    int find(int left, int right) {
        int i = slot(key(left, right));
        return keys[i] == EMPTY ? -1 : i;
    }

    /** @return the rank stored in {@code slot} (from {@link #find}) */
    int rankAt(int slot) {
        return ranks[slot];
    }

    /** @return the merged symbol id stored in {@code slot} (from {@link #find}) */
    int resultAt(int slot) {
        return results[slot];
    }

    /** @return the number of distinct applicable merge rules */
    int size() {
        return size;
    }
}
