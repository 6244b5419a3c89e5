package io.cgfed.core.secagg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The pseudorandom generator that expands a 32-byte seed into a mask of 32-bit words: AES-256 in counter mode
 * (the JDK's {@code AES/CTR/NoPadding}, AES-NI where the CPU has it) over zeros, keyed by HKDF(seed, label), the
 * keystream read as little-endian u32. Both ends of a pair (and the server, for a dropped client) derive the
 * same words from the same seed.
 */
public final class MaskStream {
    private static final byte[] LABEL = "cgfed secagg mask v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int CHUNK_WORDS = 16 * 1024;

    private MaskStream() {
    }

    /** {@code out[i] += sign x mask[i]} for the mask of {@code seed}, modulo 2^32 (Java's int wraps). */
    public static void add(byte[] seed, int sign, int[] out) {
        if (sign != 1 && sign != -1) {
            throw new IllegalArgumentException("sign must be +1 or -1");
        }
        try {
            Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(Hkdf.derive(null, seed, LABEL, 32), "AES"),
                    new IvParameterSpec(new byte[16]));
            byte[] zeros = new byte[4 * CHUNK_WORDS];
            byte[] stream = new byte[4 * CHUNK_WORDS];
            for (int at = 0; at < out.length; at += CHUNK_WORDS) {
                int words = Math.min(CHUNK_WORDS, out.length - at);
                aes.update(zeros, 0, 4 * words, stream, 0);
                ByteBuffer b = ByteBuffer.wrap(stream, 0, 4 * words).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < words; i++) {
                    out[at + i] += sign * b.getInt();
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR is part of every JDK", e);
        }
    }

    /** The first {@code length} words of the mask of {@code seed}. */
    public static int[] of(byte[] seed, int length) {
        int[] out = new int[length];
        add(seed, 1, out);
        return out;
    }
}
