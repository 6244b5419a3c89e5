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
        long bits = 0;
        for (int i = 0; i < kept; i++) {
            // one 64-bit draw serves two positions: its high half, then its low half
            long r;
            if ((i & 1) == 0) {
                state += SharedSeeds.GOLDEN;
                bits = SharedSeeds.mix(state);
                r = bits >>> 32;
            } else {
                r = bits & 0xFFFFFFFFL;
            }
            int j = i + (int) ((r * (block - i)) >>> 32);
            int t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
    }
}
