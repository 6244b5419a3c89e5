package io.cgfed.service.support.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Keys, tokens and credentials: 256 random bits, kept only as their SHA-256. A salt or a slow hash
 * would buy nothing for keys this long (no dictionary to try), and a plain digest lets a key be found
 * by an index lookup.
 */
public final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** A fresh secret: the prefix (says what it is when it turns up in a shell history) and 43 base64url characters. */
    public static String generate(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Lower-case hex SHA-256 of the secret's UTF-8 bytes: what is stored. */
    public static String sha256(String secret) {
        return io.cgfed.core.util.Digests.sha256Hex(secret);
    }

    /** Whether a presented secret is the one whose digest is stored, in time independent of where they differ. */
    public static boolean matches(String presented, String storedSha256) {
        if (presented == null || storedSha256 == null) {
            return false;
        }
        return MessageDigest.isEqual(sha256(presented).getBytes(StandardCharsets.US_ASCII),
                storedSha256.getBytes(StandardCharsets.US_ASCII));
    }
}
