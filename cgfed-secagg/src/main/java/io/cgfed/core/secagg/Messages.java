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
}
