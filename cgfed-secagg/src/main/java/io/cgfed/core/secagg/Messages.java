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
}
