package io.cgfed.core.secagg;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The authenticated encryption of the key shares one client sends another through the server: AES-256-GCM (the
 * JDK's) under {@code HKDF(X25519(c_sk_from, c_pk_to), "cgfed secagg share key")}, a random 12-byte nonce sent in
 * front, and the round's context, sender and receiver as associated data, so a ciphertext moved to another
 * pair or round fails as surely as one with a flipped bit. Layout: {@code nonce (12) | ciphertext | tag (16)}.
 */
public final class ShareCipher {
    private static final byte[] LABEL = "cgfed secagg share key v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    private ShareCipher() {
    }

    /** The symmetric key of a pair: both ends compute the same from their own private and the other's public key. */
    public static byte[] pairKey(byte[] myPrivate, byte[] theirPublic) {
        return Hkdf.derive(null, X25519.agree(myPrivate, theirPublic), LABEL, 32);
    }

    public static byte[] seal(byte[] key, byte[] plaintext, byte[] associated, SecureRandom random) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(associated);
            byte[] body = c.doFinal(plaintext);
            byte[] out = Arrays.copyOf(nonce, NONCE + body.length);
            System.arraycopy(body, 0, out, NONCE, body.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is part of every JDK", e);
        }
    }

    /**
     * @throws SecAggException when the ciphertext, its nonce or the associated data were changed (the tag does not
     *                         match), or it is too short to hold a nonce and a tag
     */
    public static byte[] open(byte[] key, byte[] sealed, byte[] associated) {
        if (sealed.length < NONCE + TAG_BITS / 8) {
            throw new SecAggException("sealed share of " + sealed.length + " bytes is too short");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE));
            c.updateAAD(associated);
            return c.doFinal(sealed, NONCE, sealed.length - NONCE);
        } catch (AEADBadTagException e) {
            throw new SecAggException("authentication failed: the sealed share was altered or is not for this pair and round");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is part of every JDK", e);
        }
    }
}
