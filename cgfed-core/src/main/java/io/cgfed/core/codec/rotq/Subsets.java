package io.cgfed.core.codec.rotq;

/** The seeded subset of a block's coordinates that a sub-bit budget keeps: both sides draw the same one. */
final class Subsets {
    private Subsets() {
    }

    /**
     * Fills {@code out[0, kept)} with {@code kept} distinct positions of {@code [0, block)} drawn from
     * {@code seed} (a partial Fisher-Yates shuffle; all positions in order when every one is kept).
     */
    static void choose(int[] out, int kept, int block, long seed) {
        for (int i = 0; i < block; i++) {
            out[i] = i;
        }
        if (kept >= block) {
            return;
        }
        long state = seed;
        for (int i = 0; i < kept; i++) {
            state += SharedSeeds.GOLDEN;
            long r = SharedSeeds.mix(state) >>> 32;
            int j = i + (int) ((r * (block - i)) >>> 32);
            int t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
    }
}
