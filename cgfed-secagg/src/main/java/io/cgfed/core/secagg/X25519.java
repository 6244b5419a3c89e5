package io.cgfed.core.secagg;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/**
 * X25519 key agreement (RFC 7748) on the JDK's {@code XDH} provider, with keys in their RFC encodings: a
 * public key is the 32-byte little-endian u-coordinate, a private key the 32-byte scalar (which Shamir shares
 * when a client's mask key must be recoverable after it drops out).
 */
public final class X25519 {
    public static final int KEY_BYTES = 32;

    private X25519() {
    }

    /** A key pair: the raw 32-byte private scalar and public u-coordinate. */
    public record Keys(byte[] privateKey, byte[] publicKey) {
    }

    public static Keys generate(SecureRandom random) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("X25519");
            g.initialize(NamedParameterSpec.X25519, random);
            KeyPair kp = g.generateKeyPair();
            byte[] scalar = ((XECPrivateKey) kp.getPrivate()).getScalar()
                    .orElseThrow(() -> new IllegalStateException("the X25519 provider hides its scalar"));
            return new Keys(scalar, encodeU(((XECPublicKey) kp.getPublic()).getU()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 is part of every JDK since 11", e);
        }
    }

    /** The public key of a private scalar. */
    public static byte[] publicKey(byte[] privateKey) {
        // X25519(k, 9): agreement with the base point's u-coordinate
        byte[] base = new byte[KEY_BYTES];
        base[0] = 9;
        return agree(privateKey, base);
    }

    /**
     * The shared secret X25519(privateKey, publicKey), 32 bytes.
     *
     * @throws SecAggException for a public key that gives the all-zero secret (a small-order point)
     */
    public static byte[] agree(byte[] privateKey, byte[] publicKey) {
        if (privateKey.length != KEY_BYTES || publicKey.length != KEY_BYTES) {
            throw new SecAggException("X25519 keys are 32 bytes, got " + privateKey.length + " and " + publicKey.length);
        }
        try {
            KeyFactory f = KeyFactory.getInstance("X25519");
            PrivateKey sk = f.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, privateKey.clone()));
            PublicKey pk = f.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, decodeU(publicKey)));
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(sk);
            ka.doPhase(pk, true);
            return ka.generateSecret();
        } catch (java.security.InvalidKeyException e) {
            throw new SecAggException("X25519 refused the public key: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 is part of every JDK since 11", e);
        }
    }

    /** RFC 7748 section 5: the u-coordinate as 32 bytes little-endian. */
    static byte[] encodeU(BigInteger u) {
        byte[] be = u.toByteArray();
        byte[] out = new byte[KEY_BYTES];
        for (int i = 0; i < KEY_BYTES && i < be.length; i++) {
            out[i] = be[be.length - 1 - i];
        }
        return out;
    }

    /** RFC 7748 section 5: little-endian, the top bit masked. */
    static BigInteger decodeU(byte[] le) {
        byte[] be = new byte[KEY_BYTES + 1];
        for (int i = 0; i < KEY_BYTES; i++) {
            be[KEY_BYTES - i] = le[i];
        }
        be[1] &= 0x7f;
        return new BigInteger(be);
    }
}
