package io.cgfed.core.secagg;

import java.util.Map;

/** The messages of one secure aggregation, in the order the stages send them. */
public final class Messages {
    private Messages() {
    }

    /** Stage 1, client to server: the client's two X25519 public keys (share encryption, pair masks). */
    public record Advertisement(int client, byte[] cipherKey, byte[] maskKey) {
    }

    /** Stage 2, client to server to client: one neighbour's shares of the sender's secrets, sealed for it. */
    public record SealedShare(int from, int to, byte[] ciphertext) {
    }

    /** Stage 3, client to server: the client's quantised input plus its masks, modulo 2^32. */
    public record MaskedInput(int client, int[] values) {
    }

    /**
     * Stage 4, client to server: for each neighbour that sent a masked input, the share of its self-mask seed;
     * for each one that did not, the share of its mask key. Never both for one neighbour.
     */
    public record Unmasking(int from, Map<Integer, Shamir.Share> selfMaskShares, Map<Integer, Shamir.Share> maskKeyShares) {
    }

    /**
     * What the server hands a client for one stage: the round's configuration (so the client can check it is the
     * one it began with) and that stage's input: the neighbours' advertisements (SHARE), the sealed shares for it
     * (MASKED_INPUT), or the survivors (UNMASK).
     */
    public record StageInput(String stage, java.util.List<Integer> clients, int degree, int threshold, int length,
                             byte[] context, java.util.List<Advertisement> advertisements,
                             java.util.List<SealedShare> shares, java.util.List<Integer> survivors) {
        public SecAggConfig config() {
            return new SecAggConfig(clients, degree, threshold, length, context);
        }
    }

    /** A masked input as its request body: the values as little-endian u32, nothing else. */
    public static byte[] maskedBytes(int[] values) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }

    /** A masked input's values from its body, which must hold exactly {@code length} of them. */
    public static int[] maskedValues(byte[] body, int length) {
        if (body.length != 4L * length) {
            throw new SecAggException("a masked input of this round is " + 4L * length + " bytes, got " + body.length);
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(body).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            out[i] = b.getInt();
        }
        return out;
    }

    /**
     * A masked input packed to its low {@code width} bits a value (little-endian bit order), for a code whose sum
     * fits {@code width} bits: masks cancel modulo 2^32, so they cancel modulo 2^width too, and the server sums the
     * unpacked values and keeps the low {@code width} bits ({@link #signed}). 32: the plain u32 layout.
     */
    public static byte[] packedBytes(int[] values, int width) {
        if (width == 32) {
            return maskedBytes(values);
        }
        requireWidth(width);
        byte[] out = new byte[(int) ((values.length * (long) width + 7) / 8)];
        long bit = 0;
        for (int v : values) {
            for (int b = 0; b < width; b++, bit++) {
                if (((v >>> b) & 1) != 0) {
                    out[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
                }
            }
        }
        return out;
    }

    /** {@link #packedBytes}'s values, zero-extended; the body must be exactly their size. */
    public static int[] packedValues(byte[] body, int length, int width) {
        if (width == 32) {
            return maskedValues(body, length);
        }
        requireWidth(width);
        long expected = (length * (long) width + 7) / 8;
        if (body.length != expected) {
            throw new SecAggException("a masked input of this round is " + expected + " bytes, got " + body.length);
        }
        int[] out = new int[length];
        long bit = 0;
        for (int i = 0; i < length; i++) {
            int v = 0;
            for (int b = 0; b < width; b++, bit++) {
                if ((body[(int) (bit >>> 3)] & (1 << (bit & 7))) != 0) {
                    v |= 1 << b;
                }
            }
            out[i] = v;
        }
        return out;
    }

    /** The low {@code width} bits of each value read as a signed integer (a sum modulo 2^width). */
    public static int[] signed(int[] values, int width) {
        if (width == 32) {
            return values;
        }
        requireWidth(width);
        int[] out = new int[values.length];
        int shift = 32 - width;
        for (int i = 0; i < values.length; i++) {
            out[i] = (values[i] << shift) >> shift;
        }
        return out;
    }

    private static void requireWidth(int width) {
        if (width < 2 || width > 32) {
            throw new SecAggException("a packed width is in [2, 32] bits, got " + width);
        }
    }
}
