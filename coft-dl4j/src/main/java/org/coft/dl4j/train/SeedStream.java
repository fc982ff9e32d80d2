package org.coft.dl4j.train;

import org.coft.datavec.random.SplitMix64;

/**
 * The named random streams of CoFT: each draw of the method is a pure function of a parent seed and one of these
 * (through {@link SplitMix64#stream}), so a run repeats exactly and resumes mid-way, and no file invents its own
 * offset. Indexed streams take the model, network, round, epoch or step as their index; their ranges do not meet
 * within one parent seed.
 *
 * <p>The numbers are part of the results' reproducibility (changing one changes every run that uses it) and were
 * kept from the offsets they replace, so results are bit-identical across this change.
 */
public enum SeedStream {
    /** Positive context of a Phase I model (parent: the model's seed). */
    CTX_POS(1),
    /** Negative context of a Phase I model (parent: the model's seed). */
    CTX_NEG(2),
    /** Visual prompt tokens of a Phase I model (parent: the model's seed). */
    VISUAL_PROMPTS(3),
    /** Feature adapter of a Phase I model (parent: the model's seed). */
    ADAPTER(4),
    /** The labelled K-shot draw of the supervised CoOp reference (parent: the run seed). */
    LABELLED_SHOTS(7),
    /** Phase I model {@code i}'s seed, i = 0 (A), 1 (B) (parent: the round's seed). */
    PHASE1_MODEL(100),
    /** Phase I batch order of epoch {@code e} (parent: the model's seed). */
    PHASE1_SHUFFLE(1_000_000L),
    /** Complement labels of step {@code s} (parent: the model's seed; also {@code ComplementLabels}' batches). */
    COMPLEMENT(2_000_000_000L),
    /** Seed of CoFT+ round {@code r} ≥ 2 (round 1 uses the run seed itself; parent: the run seed). */
    ROUND(1000),
    /** Phase II network {@code i}'s seed (parent: the run seed). */
    PHASE2_NETWORK(500),
    /** Seed of Phase II's self-training round {@code r} ≥ 1 (parent: the run seed). */
    SELF_TRAINING(600),
    /** Random initialisation of a Phase II linear head (parent: the network's seed). */
    PHASE2_HEAD(3),
    /** CoFT+'s initial queue of random keys (parent: the network's seed). */
    MOCO_QUEUE(31),
    /** Phase II batch order and augmentation (parent: the network's seed). */
    PHASE2_DATA(41),
    /** CoFT+'s contrastive projection head, weight {@code i} (parent: the network's seed). */
    MOCO_PROJECTION(51);

    private final long base;

    SeedStream(long base) {
        this.base = base;
    }

    /** This stream of {@code seed}. */
    public long of(long seed) {
        return SplitMix64.stream(seed, base);
    }

    /** Element {@code index} of this indexed stream of {@code seed}. */
    public long of(long seed, long index) {
        return SplitMix64.stream(seed, base + index);
    }
}
