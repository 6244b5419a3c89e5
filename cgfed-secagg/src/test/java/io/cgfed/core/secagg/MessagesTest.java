package io.cgfed.core.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The clients' deliveries on the wire: exact round trips, their sizes, and every malformed body refused. */
class MessagesTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void realMessagesRoundTripAtTheirDocumentedSizes() {
        SecAggConfig config = new SecAggConfig(IntStream.range(0, 5).boxed().toList(), 4, 3, 16, "exp/round/1".getBytes());
        SecAggServer server = new SecAggServer(config);
        List<SecAggClient> clients = IntStream.range(0, 5).mapToObj(c -> new SecAggClient(c, config, RANDOM)).toList();
        for (SecAggClient c : clients) {
            Messages.Advertisement a = c.advertise();
            byte[] wire = Messages.encode(a);
            assertThat(wire).hasSize(1 + 4 + 32 + 32);
            Messages.Advertisement back = Messages.advertisement(wire);
            assertThat(back.client()).isEqualTo(a.client());
            assertThat(back.cipherKey()).containsExactly(a.cipherKey());
            assertThat(back.maskKey()).containsExactly(a.maskKey());
            server.advertised(back);
        }
        server.closeAdvertisements();
        for (SecAggClient c : clients) {
            List<Messages.SealedShare> shares = c.shareKeys(server.advertisementsFor(c.id()));
            byte[] wire = Messages.encodeShares(shares);
            // nonce 12 | from, to, two 33-byte shares | tag 16: 102 bytes of ciphertext a neighbour
            assertThat(wire).hasSize(5 + shares.size() * (10 + 102));
            List<Messages.SealedShare> back = Messages.shares(wire);
            assertThat(back).hasSameSizeAs(shares);
            for (int i = 0; i < shares.size(); i++) {
                assertThat(back.get(i).from()).isEqualTo(shares.get(i).from());
                assertThat(back.get(i).to()).isEqualTo(shares.get(i).to());
                assertThat(back.get(i).ciphertext()).containsExactly(shares.get(i).ciphertext());
            }
            server.sharesFrom(c.id(), back);
        }
        server.closeSharing();
        for (SecAggClient c : clients) {
            server.maskedInput(c.maskInput(new int[16], server.sharesFor(c.id())));
        }
        Set<Integer> survivors = server.closeMaskedInputs();
        for (SecAggClient c : clients) {
            Messages.Unmasking u = c.unmask(survivors);
            byte[] wire = Messages.encode(u);
            assertThat(wire).hasSize(1 + 4 + 4 + 4 + (u.selfMaskShares().size() + u.maskKeyShares().size()) * (8 + 33));
            Messages.Unmasking back = Messages.unmasking(wire);
            assertThat(back.from()).isEqualTo(u.from());
            assertThat(back.selfMaskShares().keySet()).isEqualTo(u.selfMaskShares().keySet());
            u.selfMaskShares().forEach((owner, s) -> {
                assertThat(back.selfMaskShares().get(owner).x()).isEqualTo(s.x());
                assertThat(back.selfMaskShares().get(owner).value()).containsExactly(s.value());
            });
            server.unmasking(back);
        }
        // decoded messages are the protocol's own: the sum of five zero inputs unmasks to zero
        assertThat(server.finish().sum()).containsOnly(0);
    }

    @Test
    void aMalformedBodyIsRefusedWithWhatIsWrong() {
        byte[] ad = Messages.encode(new Messages.Advertisement(3, new byte[32], new byte[32]));
        assertThatThrownBy(() -> Messages.advertisement(Arrays.copyOf(ad, ad.length - 1)))
                .isInstanceOf(SecAggException.class).hasMessageContaining("cut short");
        assertThatThrownBy(() -> Messages.advertisement(Arrays.copyOf(ad, ad.length + 1)))
                .isInstanceOf(SecAggException.class).hasMessageContaining("after its end");
        assertThatThrownBy(() -> Messages.shares(ad)).isInstanceOf(SecAggException.class).hasMessageContaining("begin with 'S'");
        assertThatThrownBy(() -> Messages.advertisement(new byte[0])).isInstanceOf(SecAggException.class);
        assertThatThrownBy(() -> Messages.encode(new Messages.Advertisement(3, new byte[31], new byte[32])))
                .hasMessageContaining("cipherKey");
        // a count larger than the body could hold is refused before anything is allocated for it
        byte[] lying = java.nio.ByteBuffer.allocate(5).order(java.nio.ByteOrder.LITTLE_ENDIAN).put((byte) 'S')
                .putInt(Integer.MAX_VALUE).array();
        assertThatThrownBy(() -> Messages.shares(lying)).hasMessageContaining("does not fit");
        byte[] shares = Messages.encodeShares(List.of(new Messages.SealedShare(1, 2, new byte[40])));
        assertThatThrownBy(() -> Messages.shares(Arrays.copyOf(shares, shares.length - 3))).hasMessageContaining("cut short");
        // an unmasking that names one owner twice
        byte[] share = new byte[Shamir.SHARE_BYTES];
        java.nio.ByteBuffer twice = java.nio.ByteBuffer.allocate(1 + 4 + 4 + 2 * (8 + Shamir.SHARE_BYTES) + 4)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).put((byte) 'U').putInt(0).putInt(2);
        twice.putInt(1).putInt(1).put(share).putInt(1).putInt(1).put(share).putInt(0);
        assertThatThrownBy(() -> Messages.unmasking(twice.array())).hasMessageContaining("twice");
    }
}
