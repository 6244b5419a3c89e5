package io.cgfed.core.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShamirTest {
    @Test
    void anyThresholdOfTheSharesRebuildsTheSecretAndFewerCannot() {
        SecureRandom random = new SecureRandom();
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        List<Integer> points = List.of(1, 2, 3, 5, 8, 13, 21);
        List<Shamir.Share> shares = Shamir.share(secret, 4, points, random);
        Random pick = new Random(1);
        for (int trial = 0; trial < 20; trial++) {
            List<Shamir.Share> s = new ArrayList<>(shares);
            Collections.shuffle(s, pick);
            assertThat(Shamir.reconstruct(s, 4, 32)).isEqualTo(secret);
        }
        assertThatThrownBy(() -> Shamir.reconstruct(shares.subList(0, 3), 4, 32)).hasMessageContaining("need 4 shares");
        // three shares and a wrong fourth rebuild something else (caught by the key check in the protocol)
        List<Shamir.Share> wrong = new ArrayList<>(shares.subList(0, 3));
        byte[] v = shares.get(3).value().clone();
        v[Shamir.SHARE_BYTES - 1] ^= 1;
        wrong.add(new Shamir.Share(shares.get(3).x(), v));
        byte[] rebuilt;
        try {
            rebuilt = Shamir.reconstruct(wrong, 4, 32);
        } catch (SecAggException e) {
            rebuilt = null; // too large for 32 bytes: detected already
        }
        assertThat(rebuilt).isNotEqualTo(secret);
    }

    @Test
    void thresholdMinusOneSharesAreConsistentWithEverySecret() {
        // with t - 1 = 1 share of a degree-1 polynomial, any secret is possible: two different secrets can give
        // the same share value at a point, for some polynomial; here: the share values of two secrets are
        // uniformly spread, so one share alone does not tell them apart (a statistical check on the low byte)
        SecureRandom random = new SecureRandom();
        int[] counts = new int[2];
        for (int trial = 0; trial < 2000; trial++) {
            byte[] secret = new byte[32];
            secret[31] = (byte) (trial % 2);
            counts[trial % 2] += Shamir.share(secret, 2, List.of(1, 2), random).get(0).value()[Shamir.SHARE_BYTES - 1] & 1;
        }
        assertThat(counts[0] / 1000.0).isBetween(0.42, 0.58);
        assertThat(counts[1] / 1000.0).isBetween(0.42, 0.58);
    }

    @Test
    void theFieldIsTheLeastPrimeAboveTwoToThe256AndHoldsEvery32ByteSecret() {
        java.math.BigInteger two256 = java.math.BigInteger.ONE.shiftLeft(256);
        assertThat(Shamir.PRIME.isProbablePrime(128)).isTrue();
        assertThat(two256.nextProbablePrime()).isEqualTo(Shamir.PRIME);
        // the largest 32-byte secret, all ones, comes back from its shares
        byte[] secret = new byte[32];
        java.util.Arrays.fill(secret, (byte) 0xFF);
        List<Shamir.Share> shares = Shamir.share(secret, 3, List.of(1, 2, 3, 4), new SecureRandom());
        assertThat(shares.get(0).value()).hasSize(Shamir.SHARE_BYTES).hasSize(33);
        assertThat(Shamir.reconstruct(shares.subList(1, 4), 3, 32)).containsExactly(secret);
    }

    @Test
    void badArgumentsAreRefused() {
        SecureRandom random = new SecureRandom();
        assertThatThrownBy(() -> Shamir.share(new byte[33], 2, List.of(1, 2), random)).hasMessageContaining("at most 32");
        assertThatThrownBy(() -> Shamir.share(new byte[32], 3, List.of(1, 2), random)).hasMessageContaining("threshold");
        assertThatThrownBy(() -> Shamir.share(new byte[32], 2, List.of(1, 1), random)).hasMessageContaining("distinct");
        assertThatThrownBy(() -> new Shamir.Share(0, new byte[33])).hasMessageContaining("positive");
    }
}
