package io.cgfed.core.codec.rotq;

/**
 * rotq's transform for compressed secure aggregation: a linear code every client of a round applies with the
 * same randomness, so that the sum of the clients' codes is the code of the sum of their updates, and a masked sum
 * of codes (integers under SecAgg+) decodes to the sum of the updates. The update (padded to whole blocks of
 * {@code block} values) is rotated by the randomized Hadamard transform H D / sqrt(block) of each block (signs from
 * the round's shared seed, not the client's), and of every block the same seeded subset of {@code kept} rotated
 * coordinates is kept: {@link #project}. {@link #reconstruct} is its adjoint: the kept coordinates put back, zeros
 * elsewhere, the rotation undone. Their product is the orthogonal projection onto the kept directions (biased,
 * the MSE-optimal scale for error feedback, which a client can run: it knows its own code); its error on one
 * update is about (1 - kept / block) of the update's energy, whatever the update (the rotation spreads it).
 */
public final class SummableRotation {
    private final int length;
    private final int block;
    private final int kept;
    private final int blocks;
    private final long seed;
    private final long[] mask;

    /**
     * @param length values of an update
     * @param block  rotation block, a power of two
     * @param kept   coordinates kept a block, in [1, block]
     * @param seed   the round's shared seed (every client the same)
     */
    public SummableRotation(int length, int block, int kept, long seed) {
        if (length < 1 || !Hadamard.isPowerOfTwo(block) || kept < 1 || kept > block) {
            throw new IllegalArgumentException("need length >= 1, a power-of-two block and 1 <= kept <= block, got "
                    + length + ", " + block + ", " + kept);
        }
        this.length = length;
        this.block = block;
        this.kept = kept;
        this.blocks = (length + block - 1) / block;
        this.seed = seed;
        this.mask = new long[(block + 63) >>> 6];
        Subsets.choose(mask, kept, block, SharedSeeds.mix(seed ^ 0x5B5E7L));
    }

    /** The coordinates a block keeps for a budget of {@code codeValues} code values over the whole update. */
    public static int keptFor(int length, int block, long codeValues) {
        int blocks = (length + block - 1) / block;
        return (int) Math.max(1, Math.min(block, codeValues / blocks));
    }

    /** Values of a code: kept x blocks. */
    public int codeLength() {
        return kept * blocks;
    }

    public int length() {
        return length;
    }

    /** The code of {@code x}: each block rotated, its kept coordinates in position order. */
    public float[] project(float[] x) {
        if (x.length != length) {
            throw new IllegalArgumentException("an update of " + x.length + " values, the code is for " + length);
        }
        float[] work = new float[block];
        float[] code = new float[codeLength()];
        float norm = (float) (1 / Math.sqrt(block));
        int at = 0;
        for (int b = 0; b < blocks; b++) {
            int off = b * block;
            int n = Math.min(block, length - off);
            System.arraycopy(x, off, work, 0, n);
            java.util.Arrays.fill(work, n, block, 0f);
            Hadamard.forward(work, 0, block, blockSeed(b));
            for (int i = 0; i < block; i++) {
                if (Subsets.contains(mask, i)) {
                    code[at++] = work[i] * norm;
                }
            }
        }
        return code;
    }

    /** The adjoint of {@link #project}: the update (of {@link #length} values) that the code stands for. */
    public float[] reconstruct(float[] code) {
        if (code.length != codeLength()) {
            throw new IllegalArgumentException("a code of " + code.length + " values, expected " + codeLength());
        }
        float[] out = new float[length];
        float[] work = new float[block];
        float norm = (float) (1 / Math.sqrt(block));
        int at = 0;
        for (int b = 0; b < blocks; b++) {
            java.util.Arrays.fill(work, 0f);
            for (int i = 0; i < block; i++) {
                if (Subsets.contains(mask, i)) {
                    work[i] = code[at++] * norm;
                }
            }
            Hadamard.inverse(work, 0, block, blockSeed(b));
            int off = b * block;
            System.arraycopy(work, 0, out, off, Math.min(block, length - off));
        }
        return out;
    }

    private long blockSeed(int b) {
        return SharedSeeds.mix(seed + (long) b * SharedSeeds.GOLDEN);
    }
}
