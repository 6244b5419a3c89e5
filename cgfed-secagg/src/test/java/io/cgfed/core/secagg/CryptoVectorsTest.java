package io.cgfed.core.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The primitives against their published test vectors (RFC 5869, RFC 7748), and the share cipher's tamper checks. */
class CryptoVectorsTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void hkdfMatchesRfc5869TestCases1And3() {
        byte[] ikm = HEX.parseHex("0b".repeat(22));
        byte[] prk = Hkdf.extract(HEX.parseHex("000102030405060708090a0b0c"), ikm);
        assertThat(HEX.formatHex(prk)).isEqualTo("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        assertThat(HEX.formatHex(Hkdf.expand(prk, HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42))).isEqualTo(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
        byte[] prk3 = Hkdf.extract(new byte[0], ikm);
        assertThat(HEX.formatHex(prk3)).isEqualTo("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
        assertThat(HEX.formatHex(Hkdf.expand(prk3, new byte[0], 42))).isEqualTo(
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    }

    @Test
    void x25519MatchesRfc7748() {
        // section 5.2, first vector
        assertThat(HEX.formatHex(X25519.agree(
                HEX.parseHex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                HEX.parseHex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))))
                .isEqualTo("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
        // section 6.1: Alice and Bob
        byte[] alice = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bob = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        assertThat(HEX.formatHex(X25519.publicKey(alice)))
                .isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        assertThat(HEX.formatHex(X25519.publicKey(bob)))
                .isEqualTo("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        String shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        assertThat(HEX.formatHex(X25519.agree(alice, X25519.publicKey(bob)))).isEqualTo(shared);
        assertThat(HEX.formatHex(X25519.agree(bob, X25519.publicKey(alice)))).isEqualTo(shared);
        // generated keys: the raw public key is the private scalar's
        X25519.Keys k = X25519.generate(new SecureRandom());
        assertThat(X25519.publicKey(k.privateKey())).isEqualTo(k.publicKey());
        // a small-order point (u = 0) gives the all-zero secret: refused
        assertThatThrownBy(() -> X25519.agree(alice, new byte[32])).isInstanceOf(SecAggException.class);
    }

    @Test
    void aSealedShareOpensOnlyUnchangedForItsPairAndRound() {
        SecureRandom random = new SecureRandom();
        X25519.Keys a = X25519.generate(random);
        X25519.Keys b = X25519.generate(random);
        byte[] ab = ShareCipher.pairKey(a.privateKey(), b.publicKey());
        assertThat(ShareCipher.pairKey(b.privateKey(), a.publicKey())).isEqualTo(ab);
        byte[] context = {1, 2, 3};
        byte[] sealed = ShareCipher.seal(ab, "share".getBytes(), context, random);
        assertThat(ShareCipher.open(ab, sealed, context)).isEqualTo("share".getBytes());
        for (int i = 0; i < sealed.length; i++) {
            byte[] flipped = sealed.clone();
            flipped[i] ^= 1;
            assertThatThrownBy(() -> ShareCipher.open(ab, flipped, context)).as("byte %d flipped", i)
                    .isInstanceOf(SecAggException.class).hasMessageContaining("authentication failed");
        }
        assertThatThrownBy(() -> ShareCipher.open(ab, sealed, new byte[] {1, 2, 4})).hasMessageContaining("authentication");
        assertThatThrownBy(() -> ShareCipher.open(ab, new byte[10], context)).hasMessageContaining("too short");
    }

    @Test
    void masksAreTheSameFromTheSameSeedAndLookUniform() {
        byte[] seed = new byte[32];
        seed[0] = 7;
        int[] m = MaskStream.of(seed, 100_000);
        assertThat(MaskStream.of(seed, 100_000)).isEqualTo(m);
        int[] y = m.clone();
        MaskStream.add(seed, -1, y);
        assertThat(y).containsOnly(0);
        // each bit set about half the time
        for (int bit = 0; bit < 32; bit += 7) {
            int set = 0;
            for (int v : m) {
                set += (v >>> bit) & 1;
            }
            assertThat(set / 100_000.0).as("bit %d", bit).isBetween(0.49, 0.51);
        }
    }
}
