package io.cgfed.core.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.secagg.Messages.MaskedInput;
import io.cgfed.core.secagg.Messages.SealedShare;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * SecAgg+ end to end in one process: clients and server exchange the real messages (the coordinator and workers
 * carry the same ones over REST); the server's sum equals the clear sum, no masked input looks like its input,
 * dropouts up to the threshold are survived and one more aborts, and a tampered share is caught.
 */
class SecAggProtocolTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int LENGTH = 2_000;

    /** One round driven through the four stages; clients in {@code dropBeforeInput} stop after sharing keys,
     * those in {@code dropBeforeUnmasking} after sending their input. */
    private record Round(SecAggServer.Result result, Map<Integer, int[]> inputs, Map<Integer, int[]> masked) {
    }

    private static Round run(SecAggConfig config, Set<Integer> dropBeforeInput, Set<Integer> dropBeforeUnmasking,
                             java.util.function.UnaryOperator<List<SealedShare>> network) {
        SecAggServer server = new SecAggServer(config);
        Map<Integer, SecAggClient> clients = advertised(server, config);
        for (SecAggClient c : clients.values()) {
            server.sharesFrom(c.id(), c.shareKeys(server.advertisementsFor(c.id())));
        }
        server.closeSharing();
        Map<Integer, int[]> inputs = new HashMap<>();
        Map<Integer, int[]> masked = new HashMap<>();
        SplittableRandom values = new SplittableRandom(config.clients().size());
        for (SecAggClient c : clients.values()) {
            if (dropBeforeInput.contains(c.id())) {
                continue;
            }
            int[] x = IntStream.range(0, LENGTH).map(i -> values.nextInt(1 << 12)).toArray();
            inputs.put(c.id(), x);
            MaskedInput m = c.maskInput(x, network.apply(server.sharesFor(c.id())));
            masked.put(c.id(), m.values());
            server.maskedInput(m);
        }
        Set<Integer> survivors = server.closeMaskedInputs();
        for (SecAggClient c : clients.values()) {
            if (survivors.contains(c.id()) && !dropBeforeUnmasking.contains(c.id())) {
                server.unmasking(c.unmask(survivors));
            }
        }
        return new Round(server.finish(), inputs, masked);
    }

    /** Stage 1 for every client of the configuration: each advertises its keys, the stage closes. */
    private static Map<Integer, SecAggClient> advertised(SecAggServer server, SecAggConfig config) {
        Map<Integer, SecAggClient> clients = new HashMap<>();
        for (int c : config.clients()) {
            SecAggClient client = new SecAggClient(c, config, RANDOM);
            clients.put(c, client);
            server.advertised(client.advertise());
        }
        server.closeAdvertisements();
        return clients;
    }

    private static int[] clearSum(Map<Integer, int[]> inputs) {
        int[] s = new int[LENGTH];
        inputs.values().forEach(x -> {
            for (int i = 0; i < LENGTH; i++) {
                s[i] += x[i];
            }
        });
        return s;
    }

    private static List<Integer> ids(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Test
    void theServersSumIsTheClearSumAndNoMaskedInputResemblesItsInput() {
        // 50 clients on SecAgg+'s sparse graph: 18 neighbours each, threshold 10
        SecAggConfig config = SecAggConfig.withDefaults(ids(50), LENGTH, "exp-1/round-3".getBytes());
        assertThat(config.degree()).isEqualTo(18);
        assertThat(config.graph().of(7)).hasSize(18);
        Round r = run(config, Set.of(), Set.of(), s -> s);
        assertThat(r.result().sum()).isEqualTo(clearSum(r.inputs()));
        assertThat(r.result().survivors()).hasSize(50);
        for (int c : r.inputs().keySet()) {
            assertThat(Math.abs(cosine(r.inputs().get(c), r.masked().get(c)))).as("client %d", c).isLessThan(0.1);
        }
    }

    @Test
    void dropoutsAfterTheMaskedInputUpToTheThresholdAreSurvivedAndOneMoreAborts() {
        // 10 clients, complete graph, threshold t = 5: a survivor's self-mask seed needs the shares of 5 of the 9
        // others, so up to 4 = t - 1 may drop after sending their input
        SecAggConfig config = new SecAggConfig(ids(10), 9, 5, LENGTH, "exp-2/round-1".getBytes());
        for (Set<Integer> dropped : List.of(Set.of(3), Set.of(3, 6), Set.of(0, 3, 6, 8))) {
            Round r = run(config, Set.of(), dropped, s -> s);
            assertThat(r.result().sum()).as("%d dropped after their input", dropped.size()).isEqualTo(clearSum(r.inputs()));
        }
        assertThatThrownBy(() -> run(config, Set.of(), Set.of(0, 2, 3, 6, 8), s -> s))
                .isInstanceOf(SecAggException.class).hasMessageContaining("fewer than the threshold 5")
                .hasMessageContaining("too many clients dropped out");
    }

    @Test
    void clientsThatDropBeforeTheirInputHaveTheirPairMasksRebuiltFromShares() {
        SecAggConfig config = SecAggConfig.withDefaults(ids(20), LENGTH, "exp-3/round-2".getBytes());
        Round r = run(config, Set.of(4, 11), Set.of(17), s -> s);
        assertThat(r.result().survivors()).doesNotContain(4, 11).contains(17);
        assertThat(r.result().droppedAfterSharing()).containsExactly(4, 11);
        assertThat(r.result().sum()).isEqualTo(clearSum(r.inputs()));
    }

    @Test
    void checkingAMessageRefusesWhatFeedingItWouldAndLeavesTheServerAsItWas() {
        SecAggConfig config = new SecAggConfig(ids(8), 4, 3, LENGTH, "exp-6/round-1".getBytes());
        SecAggServer server = new SecAggServer(config);
        Map<Integer, SecAggClient> clients = advertised(server, config);
        List<SealedShare> fromZero = clients.get(0).shareKeys(server.advertisementsFor(0));
        // checked twice, it passes twice: the check took nothing
        server.checkShares(0, fromZero);
        server.checkShares(0, fromZero);
        int stranger = config.clients().stream().filter(j -> j != 0 && !server.graph().adjacent(0, j)).findFirst().orElseThrow();
        List<SealedShare> astray = List.of(new SealedShare(0, stranger, fromZero.get(0).ciphertext()));
        assertThatThrownBy(() -> server.checkShares(0, astray)).isInstanceOf(SecAggException.class)
                .hasMessageContaining("not to one of its neighbours");
        assertThatThrownBy(() -> server.sharesFrom(0, astray)).isInstanceOf(SecAggException.class)
                .hasMessageContaining("not to one of its neighbours");
        server.sharesFrom(0, fromZero);
        assertThatThrownBy(() -> server.sharesFrom(0, fromZero)).hasMessageContaining("twice");
        // nothing of client 1 was fed by checking it: closing the stage now leaves it out
        server.checkShares(1, clients.get(1).shareKeys(server.advertisementsFor(1)));
        for (int c = 2; c < 8; c++) {
            server.sharesFrom(c, clients.get(c).shareKeys(server.advertisementsFor(c)));
        }
        assertThat(server.closeSharing()).doesNotContain(1).contains(0, 2, 7);
        assertThatThrownBy(() -> server.checkAdvertisement(clients.get(1).advertise()))
                .hasMessageContaining("stage is closed");
    }

    @Test
    void aTamperedShareIsDetectedAndNamesItsSender() {
        SecAggConfig config = SecAggConfig.withDefaults(ids(6), LENGTH, "exp-4/round-1".getBytes());
        assertThatThrownBy(() -> run(config, Set.of(), Set.of(), shares -> {
            List<SealedShare> out = new ArrayList<>(shares);
            SealedShare s = out.get(0);
            byte[] c = s.ciphertext().clone();
            c[c.length / 2] ^= 0x20;
            out.set(0, new SealedShare(s.from(), s.to(), c));
            return out;
        })).isInstanceOf(SecAggException.class).hasMessageContaining("failed: authentication failed")
                .hasMessageMatching("client \\d+: the share from client \\d+ failed.*");
    }

    @Test
    void aClientRevealsNothingWhenTooFewOfItsPartnersSurvived() {
        SecAggConfig config = new SecAggConfig(ids(5), 4, 3, LENGTH, "exp-5/round-1".getBytes());
        SecAggServer server = new SecAggServer(config);
        List<SecAggClient> clients = new ArrayList<>();
        for (int c : config.clients()) {
            SecAggClient client = new SecAggClient(c, config, RANDOM);
            clients.add(client);
            server.advertised(client.advertise());
        }
        server.closeAdvertisements();
        clients.forEach(c -> server.sharesFrom(c.id(), c.shareKeys(server.advertisementsFor(c.id()))));
        server.closeSharing();
        clients.forEach(c -> c.maskInput(new int[LENGTH], server.sharesFor(c.id())));
        // a server that claims only two survivors would learn client 0's input from its self-mask alone
        assertThatThrownBy(() -> clients.get(0).unmask(Set.of(0, 1))).hasMessageContaining("reveals nothing");
    }

    private static double cosine(int[] a, int[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            // the masked words read as signed 32-bit values, the inputs centred
            double x = a[i] - 2048;
            double y = b[i];
            dot += x * y;
            aa += x * x;
            bb += y * y;
        }
        return dot / Math.sqrt(aa * bb);
    }
}
