package io.cgfed.core.secagg;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Shamir secret sharing (t of n) over the prime field GF(2^256 + 297): a secret of up to 32 bytes is the constant
 * term of a random polynomial of degree t - 1, a share is the polynomial's value at a client's point (its index
 * + 1, never 0), and any t shares give the secret back by Lagrange interpolation at 0; t - 1 shares say nothing
 * about it. 2^256 + 297, the least prime above 2^256, holds a 32-byte seed or X25519 scalar in one field element,
 * so a share is 33 bytes (the Mersenne prime 2^521 - 1 of the first version made them 66). Written
 * here: the JDK has no secret sharing, and the maintained Java libraries that do (e.g. codahale's shamir) work
 * over GF(256) byte by byte, which is as good but would add a dependency for these forty lines over
 * {@code BigInteger}.
 */
public final class Shamir {
    /** 2^256 + 297, the least prime above 2^256 ({@code ShamirTest} checks it is prime and the least). */
    public static final BigInteger PRIME = BigInteger.ONE.shiftLeft(256).add(BigInteger.valueOf(297));
    /** Bytes of a share's value, big-endian, fixed length. */
    public static final int SHARE_BYTES = 33;
    public static final int MAX_SECRET_BYTES = 32;

    private Shamir() {
    }

    /** A share: the evaluation point x (1-based) and the polynomial's value there. */
    public record Share(int x, byte[] value) {
        public Share {
            if (x <= 0) {
                throw new SecAggException("a share's point must be positive, got " + x);
            }
            if (value.length != SHARE_BYTES) {
                throw new SecAggException("a share's value is " + SHARE_BYTES + " bytes, got " + value.length);
            }
        }
    }

    /** Shares of {@code secret} at the points {@code xs} (distinct, positive), any {@code threshold} of which rebuild it. */
    public static List<Share> share(byte[] secret, int threshold, List<Integer> xs, SecureRandom random) {
        if (secret.length > MAX_SECRET_BYTES) {
            throw new SecAggException("a secret is at most " + MAX_SECRET_BYTES + " bytes, got " + secret.length);
        }
        if (threshold < 1 || threshold > xs.size()) {
            throw new SecAggException("threshold " + threshold + " must be in [1, " + xs.size() + "] (the shares)");
        }
        if (new HashSet<>(xs).size() != xs.size()) {
            throw new SecAggException("share points must be distinct: " + xs);
        }
        BigInteger[] coefficients = new BigInteger[threshold];
        coefficients[0] = new BigInteger(1, secret);
        for (int i = 1; i < threshold; i++) {
            coefficients[i] = new BigInteger(PRIME.bitLength() + 64, random).mod(PRIME);
        }
        List<Share> out = new ArrayList<>(xs.size());
        for (int x : xs) {
            BigInteger bx = BigInteger.valueOf(x);
            BigInteger y = BigInteger.ZERO;
            for (int i = threshold - 1; i >= 0; i--) {
                y = y.multiply(bx).add(coefficients[i]).mod(PRIME);
            }
            out.add(new Share(x, fixed(y)));
        }
        return out;
    }

    /**
     * The secret from at least {@code threshold} shares (the first {@code threshold} of them are used), as
     * {@code secretBytes} bytes.
     *
     * @throws SecAggException with fewer shares than the threshold, repeated points, or a value that is not a
     *                         field element or does not fit {@code secretBytes} (shares of different secrets)
     */
    public static byte[] reconstruct(List<Share> shares, int threshold, int secretBytes) {
        if (shares.size() < threshold) {
            throw new SecAggException("need " + threshold + " shares to reconstruct, have " + shares.size());
        }
        List<Share> used = shares.subList(0, threshold);
        Set<Integer> points = new HashSet<>();
        for (Share s : used) {
            if (!points.add(s.x())) {
                throw new SecAggException("two shares at point " + s.x());
            }
        }
        BigInteger secret = BigInteger.ZERO;
        for (Share si : used) {
            BigInteger yi = new BigInteger(1, si.value());
            if (yi.compareTo(PRIME) >= 0) {
                throw new SecAggException("share at point " + si.x() + " is not a field element");
            }
            // Lagrange basis at 0: prod_{j != i} x_j / (x_j - x_i)
            BigInteger num = BigInteger.ONE;
            BigInteger den = BigInteger.ONE;
            for (Share sj : used) {
                if (sj == si) {
                    continue;
                }
                num = num.multiply(BigInteger.valueOf(sj.x())).mod(PRIME);
                den = den.multiply(BigInteger.valueOf(sj.x() - si.x())).mod(PRIME);
            }
            secret = secret.add(yi.multiply(num).multiply(den.modInverse(PRIME))).mod(PRIME);
        }
        if (secret.bitLength() > 8 * secretBytes) {
            throw new SecAggException("the shares do not rebuild a " + secretBytes + "-byte secret (inconsistent shares)");
        }
        byte[] be = secret.toByteArray();
        byte[] out = new byte[secretBytes];
        int n = Math.min(be.length, secretBytes);
        System.arraycopy(be, be.length - n, out, secretBytes - n, n);
        return out;
    }

    private static byte[] fixed(BigInteger y) {
        byte[] be = y.toByteArray();
        byte[] out = new byte[SHARE_BYTES];
        int n = Math.min(be.length, SHARE_BYTES);
        System.arraycopy(be, be.length - n, out, SHARE_BYTES - n, n);
        return out;
    }
}
