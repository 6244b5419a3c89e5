package io.cgfed.core.codec.rotq;

/**
 * The seeded subset of coordinates that a sub-bit budget keeps in every block of a payload: both sides
 * draw the same one. One subset serves all of a payload's blocks: for any fixed subset S of m of a block's
 * B rotated coordinates, the expected squared error over the random signs of the rotation is exactly
 * p(1 - p)||x||^2, p = m / B (with D random, x' = D M D x for M = H P_S H / B, a projection with diagonal p,
 * so the error's expectation is sum_i x_i^2 sum_{j != i} M_ij^2 = p(1 - p)||x||^2), the same as for a
 * subset drawn afresh per block, which cost a sixth of the encoder's time.
 */
final class Subsets {
    private Subsets() {
    }

    /**
     * Sets in {@code mask} (at least {@code ceil(block / 64)} words) the bits of {@code kept} distinct
     * positions of {@code [0, block)}, a uniformly random subset drawn from {@code seed} (a partial
     * Fisher-Yates shuffle), and clears the rest. Callers walk the mask in position order, so a block is
     * read and written sequentially.
     */
    static void choose(long[] mask, int kept, int block, long seed) {
        java.util.Arrays.fill(mask, 0, (block + 63) >>> 6, 0L);
        int[] order = new int[block];
        for (int i = 0; i < block; i++) {
            order[i] = i;
        }
        long state = seed;
        long bits = 0;
        for (int i = 0; i < Math.min(kept, block); i++) {
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
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
            mask[order[i] >>> 6] |= 1L << order[i];
        }
    }

    static boolean contains(long[] mask, int position) {
        return (mask[position >>> 6] & (1L << position)) != 0;
    }
}
