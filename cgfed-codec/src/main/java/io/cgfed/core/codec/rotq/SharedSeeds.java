package io.cgfed.core.codec.rotq;

import java.nio.charset.StandardCharsets;

/**
 * The randomness a client and the server share without sending it: one seed per payload derived from
 * its identity (experiment, round, client), one per block derived from that. Both sides compute it from
 * the payload header's fields, so a payload can be decoded by any server that reads its header.
 */
public final class SharedSeeds {
    static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private SharedSeeds() {
    }

    /** The seed of one payload: a hash of experiment id, round and client index. */
    public static long of(String experimentId, int round, int client) {
        long h = 0x243F6A8885A308D3L;
        for (byte b : experimentId.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xff));
        }
        h = mix(h ^ (((long) round << 32) | (client & 0xffffffffL)));
        return h;
    }

    /** The seed of block {@code block} of a payload, for one use ({@code purpose}: signs, subsample). */
    static long block(long payloadSeed, int block, int purpose) {
        return mix(payloadSeed + GOLDEN * (2L * block + 1) + purpose * 0x632BE59BD9B4E019L);
    }

    /** SplitMix64's finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mix. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
