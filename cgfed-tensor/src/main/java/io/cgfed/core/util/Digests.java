package io.cgfed.core.util;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The project's one SHA-256 helper: adapters, blobs, codec weights, API keys and layouts are named by it. */
public final class Digests {
    private Digests() {
    }

    /** A fresh SHA-256 digest (every JVM has one: its absence is a broken runtime, not an input error). */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public static byte[] sha256(byte[] bytes) {
        return sha256().digest(bytes);
    }

    /** Lower-case hex of the SHA-256 of {@code bytes}. */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256(bytes));
    }

    /** Lower-case hex of the SHA-256 of the UTF-8 bytes of {@code text}. */
    public static String sha256Hex(String text) {
        return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Lower-case hex of what {@code digest} has taken in so far (it is reset). */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }
}
