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

    /*
     * The client's deliveries on the wire (docs/wire-format.md): a tag byte, then little-endian fields, every
     * length explicit and checked, nothing else. Written here rather than as JSON: base64 and field names made the
     * keys, shares and unmasking of a round about twice their bytes, more than the code itself at 1/64 of a small
     * update; a general binary format (CBOR, protobuf) would add a dependency for three fixed records.
     */
    private static final byte ADVERTISEMENT = 'A';
    private static final byte SHARES = 'S';
    private static final byte UNMASKING = 'U';

    /** An advertisement's bytes: {@code 'A' | u32 client | cipherKey (32) | maskKey (32)}. */
    public static byte[] encode(Advertisement a) {
        java.nio.ByteBuffer b = buffer(1 + 4 + 2 * X25519.KEY_BYTES).put(ADVERTISEMENT).putInt(a.client());
        return b.put(key(a.cipherKey(), "cipherKey")).put(key(a.maskKey(), "maskKey")).array();
    }

    public static Advertisement advertisement(byte[] body) {
        java.nio.ByteBuffer b = read(body, ADVERTISEMENT, "an advertisement");
        Advertisement a = new Advertisement(b.getInt(), bytes(b, X25519.KEY_BYTES), bytes(b, X25519.KEY_BYTES));
        end(b, "an advertisement");
        return a;
    }

    /** Sealed shares' bytes: {@code 'S' | u32 count | count x (u32 from | u32 to | u16 length | ciphertext)}. */
    public static byte[] encodeShares(java.util.List<SealedShare> shares) {
        int size = 1 + 4;
        for (SealedShare s : shares) {
            size += 10 + s.ciphertext().length;
        }
        java.nio.ByteBuffer b = buffer(size).put(SHARES).putInt(shares.size());
        for (SealedShare s : shares) {
            if (s.ciphertext().length > 0xFFFF) {
                throw new SecAggException("a sealed share of " + s.ciphertext().length + " bytes");
            }
            b.putInt(s.from()).putInt(s.to()).putShort((short) s.ciphertext().length).put(s.ciphertext());
        }
        return b.array();
    }

    public static java.util.List<SealedShare> shares(byte[] body) {
        java.nio.ByteBuffer b = read(body, SHARES, "sealed shares");
        int count = count(b, 10, "sealed shares");
        java.util.List<SealedShare> out = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int from = need(b, 10, "a sealed share").getInt();
            int to = b.getInt();
            out.add(new SealedShare(from, to, bytes(b, Short.toUnsignedInt(b.getShort()))));
        }
        end(b, "sealed shares");
        return out;
    }

    /**
     * Unmasking shares' bytes: {@code 'U' | u32 from | u32 n | n x (u32 owner | u32 x | value (Shamir.SHARE_BYTES))}
     * for the self-mask seeds, then the same for the mask keys.
     */
    public static byte[] encode(Unmasking u) {
        int size = 1 + 4 + 8 + (u.selfMaskShares().size() + u.maskKeyShares().size()) * (8 + Shamir.SHARE_BYTES);
        java.nio.ByteBuffer b = buffer(size).put(UNMASKING).putInt(u.from());
        for (Map<Integer, Shamir.Share> part : java.util.List.of(u.selfMaskShares(), u.maskKeyShares())) {
            b.putInt(part.size());
            new java.util.TreeMap<>(part).forEach((owner, share) -> b.putInt(owner).putInt(share.x()).put(share.value()));
        }
        return b.array();
    }

    public static Unmasking unmasking(byte[] body) {
        java.nio.ByteBuffer b = read(body, UNMASKING, "unmasking shares");
        int from = need(b, 4, "unmasking shares").getInt();
        java.util.List<Map<Integer, Shamir.Share>> parts = new java.util.ArrayList<>(2);
        for (int p = 0; p < 2; p++) {
            int count = count(b, 8 + Shamir.SHARE_BYTES, "unmasking shares");
            Map<Integer, Shamir.Share> part = new java.util.TreeMap<>();
            for (int i = 0; i < count; i++) {
                int owner = b.getInt();
                int x = b.getInt();
                if (part.put(owner, new Shamir.Share(x, bytes(b, Shamir.SHARE_BYTES))) != null) {
                    throw new SecAggException("unmasking shares name client " + owner + " twice");
                }
            }
            parts.add(part);
        }
        end(b, "unmasking shares");
        return new Unmasking(from, parts.get(0), parts.get(1));
    }

    private static java.nio.ByteBuffer buffer(int size) {
        return java.nio.ByteBuffer.allocate(size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] key(byte[] key, String name) {
        if (key.length != X25519.KEY_BYTES) {
            throw new SecAggException(name + " is " + key.length + " bytes, an X25519 key " + X25519.KEY_BYTES);
        }
        return key;
    }

    private static java.nio.ByteBuffer read(byte[] body, byte tag, String what) {
        if (body.length < 1 || body[0] != tag) {
            throw new SecAggException("not " + what + ": the body must begin with '" + (char) tag + "'");
        }
        return java.nio.ByteBuffer.wrap(body, 1, body.length - 1).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    private static java.nio.ByteBuffer need(java.nio.ByteBuffer b, int bytes, String what) {
        if (b.remaining() < bytes) {
            throw new SecAggException(what + " is cut short");
        }
        return b;
    }

    /** A count whose entries (at least {@code entryBytes} each) must fit what is left. */
    private static int count(java.nio.ByteBuffer b, int entryBytes, String what) {
        int count = need(b, 4, what).getInt();
        if (count < 0 || (long) count * entryBytes > b.remaining()) {
            throw new SecAggException(what + ": a count of " + count + " does not fit the body");
        }
        return count;
    }

    private static byte[] bytes(java.nio.ByteBuffer b, int n) {
        byte[] out = new byte[n];
        need(b, n, "a field of " + n + " bytes").get(out);
        return out;
    }

    private static void end(java.nio.ByteBuffer b, String what) {
        if (b.hasRemaining()) {
            throw new SecAggException(what + " has " + b.remaining() + " bytes after its end");
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
