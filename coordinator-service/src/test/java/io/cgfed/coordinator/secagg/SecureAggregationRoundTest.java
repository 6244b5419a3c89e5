package io.cgfed.coordinator.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import io.cgfed.coordinator.Payloads;
import io.cgfed.core.secagg.Messages;
import io.cgfed.core.secagg.Quantiser;
import io.cgfed.core.secagg.SecAggClient;
import io.cgfed.core.tensor.NamedTensors;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Secure aggregation through the coordinator's REST API, the test playing the workers with the real client state
 * machine: four stages as tasks, one client dropping out after sharing its keys (its pair masks rebuilt from the
 * others' shares), the round's adapter the survivors' mean within the quantiser's step, and no clear update in
 * the coordinator's database.
 */
class SecureAggregationRoundTest extends CoordinatorApiTestBase {
    private static final double CLIP = 0.5;
    private static final int BITS = 16;

    private ObjectNode secureSpec(String name) {
        ObjectNode spec = spec(name);
        spec.put("clients", 4).put("minClients", 3).put("roundDeadlineSeconds", 3);
        spec.putObject("secureAggregation").put("enabled", true).put("clipRange", CLIP).put("bits", BITS);
        return spec;
    }

    private HttpResponse<String> deliver(Polled t, byte[] body, String contentType) {
        return send(asWorker(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + t.taskId() + "/secagg"))
                .header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofByteArray(body)), t.workerId()));
    }

    private Messages.StageInput input(Polled t) {
        HttpResponse<String> r = send(asWorker(HttpRequest.newBuilder(URI.create(base() + "/api/v1/tasks/" + t.taskId()
                + "/secagg")).GET(), t.workerId()));
        assertStatus(r, 200);
        return JSON.readValue(r.body(), Messages.StageInput.class);
    }

    private List<Polled> stage(Running run, int count, String type) {
        List<Polled> tasks = awaitTasks(run.workers(), count).stream().sorted(Comparator.comparingInt(Polled::client)).toList();
        assertThat(tasks).extracting(Polled::type).containsOnly(type);
        return tasks;
    }

    /** The first two stages for every client, each with its real SecAgg+ client: keys advertised, shares sealed. */
    private Map<Integer, SecAggClient> keysShared(Running run, int n) {
        SecureRandom random = new SecureRandom();
        Map<Integer, SecAggClient> clients = new HashMap<>();
        for (Polled t : stage(run, n, "SECAGG_ADVERTISE")) {
            SecAggClient c = new SecAggClient(t.client(), input(t).config(), random);
            clients.put(t.client(), c);
            assertStatus(deliver(t, wire(c.advertise()), "application/octet-stream"), 202);
        }
        for (Polled t : stage(run, n, "SECAGG_SHARE")) {
            assertStatus(deliver(t, wire(clients.get(t.client()).shareKeys(input(t).advertisements())),
                    "application/octet-stream"), 202);
        }
        return clients;
    }

    @Test
    void fourStagesAsTasksADropoutSurvivedAndTheAdapterMovesByTheSurvivorsMean() {
        Running run = startExperiment(secureSpec("secure-round"), 4);
        passBaseline(run.id(), run.workers());
        NamedTensors v0 = adapter(run.id(), 0);
        SecureRandom random = new SecureRandom();
        Map<Integer, SecAggClient> clients = new HashMap<>();

        for (Polled t : stage(run, 4, "SECAGG_ADVERTISE")) {
            Messages.StageInput in = input(t);
            assertThat(in.clients()).containsExactly(0, 1, 2, 3);
            SecAggClient c = new SecAggClient(t.client(), in.config(), random);
            clients.put(t.client(), c);
            byte[] ad = wire(c.advertise());
            assertStatus(deliver(t, ad, "application/octet-stream"), 202);
            assertStatus(deliver(t, ad, "application/octet-stream"), 200);
            // a clear update is refused before its body is read
            assertThat(upload(t.workerId(), t.taskId(), new byte[8]).statusCode()).isIn(409);
        }
        for (Polled t : stage(run, 4, "SECAGG_SHARE")) {
            Messages.StageInput in = input(t);
            assertThat(in.advertisements()).hasSize(3);
            if (t.client() == 0) {
                // a share to a client that is not the sender's neighbour, or from another sender: refused
                List<Messages.SealedShare> forged = List.of(new Messages.SealedShare(1, 2, new byte[40]));
                assertThat(assertProblem(deliver(t, wire(forged), "application/octet-stream"), 400)
                        .get("detail").asString()).contains("secure aggregation SHARE message");
            }
            assertStatus(deliver(t, wire(clients.get(t.client()).shareKeys(in.advertisements())),
                    "application/octet-stream"), 202);
        }
        // the masked inputs: client 3 trains no more (it dropped after sharing its keys)
        Quantiser q = new Quantiser(CLIP, BITS);
        List<IntToDoubleFunction> values = List.of(i -> ((i % 7) - 3) / 64.0, i -> ((i % 5) - 2) / 32.0,
                i -> ((i % 3) - 1) / 16.0);
        Map<Integer, NamedTensors> updates = new HashMap<>();
        for (Polled t : stage(run, 4, "TRAIN")) {
            if (t.client() == 3) {
                continue;
            }
            Messages.StageInput in = input(t);
            NamedTensors u = Payloads.update(values.get(t.client()));
            updates.put(t.client(), u);
            int[] levels = q.encode(u.flatten(), new SplittableRandom(t.client()));
            Messages.MaskedInput m = clients.get(t.client()).maskInput(levels, in.shares());
            assertThat(assertProblem(deliver(t, new byte[12], "application/octet-stream"), 400).get("detail").asString())
                    .contains("bytes");
            assertStatus(deliver(t, Messages.maskedBytes(m.values()), "application/octet-stream"), 202);
        }
        // after the stage's deadline the three survivors are asked to unmask
        for (Polled t : stage(run, 3, "SECAGG_UNMASK")) {
            Messages.StageInput in = input(t);
            assertThat(in.survivors()).containsExactly(0, 1, 2);
            assertStatus(deliver(t, wire(clients.get(t.client()).unmask(new HashSet<>(in.survivors()))),
                    "application/octet-stream"), 202);
        }
        awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        NamedTensors v1 = adapter(run.id(), 1);
        for (String name : v0.names()) {
            float[] before = v0.get(name).data();
            float[] after = v1.get(name).data();
            for (int i = 0; i < before.length; i++) {
                double mean = 0;
                for (NamedTensors u : updates.values()) {
                    mean += u.get(name).data()[i] / 3.0;
                }
                assertThat((double) after[i]).as("%s[%d]", name, i).isCloseTo(before[i] + mean, within(q.step()));
            }
        }
        // the coordinator's database holds no client's update in the clear: no upload rows, and each stored masked
        // input is uncorrelated with the update it hides
        assertThat(jdbc.queryForObject("SELECT count(*) FROM coordinator.uploads WHERE experiment_id = ?", Integer.class,
                run.id())).isZero();
        for (var e : jdbc.queryForList("SELECT client_index, body FROM coordinator.secagg_messages WHERE experiment_id = ? "
                + "AND stage = 'MASKED_INPUT'", run.id())) {
            int client = ((Number) e.get("client_index")).intValue();
            int[] masked = Messages.maskedValues((byte[]) e.get("body"), (int) updates.get(client).numel());
            assertThat(Math.abs(cosine(updates.get(client).flatten(), masked))).as("client %d", client).isLessThan(0.2);
        }
        JsonNode r1 = round(experiment(run.id()), 1);
        assertThat(r1.get("uploads").asInt()).isEqualTo(3);
    }

    @Test
    void distributedDpNoiseFromTheClientsSharesIsAccountedAsTheCentralEpsilon() {
        ObjectNode spec = secureSpec("secure-dp");
        spec.put("clients", 3).put("minClients", 3);
        ((ObjectNode) spec.get("codec")).putObject("privacy").put("epsilon", 8.0).put("delta", 1e-5).put("clipNorm", 1.0);
        Running run = startExperiment(spec, 3);
        passBaseline(run.id(), run.workers());
        NamedTensors v0 = adapter(run.id(), 0);
        SecureRandom random = new SecureRandom();
        Map<Integer, SecAggClient> clients = keysShared(run, 3);
        Quantiser q = new Quantiser(CLIP, BITS);
        double sigma = io.cgfed.core.privacy.GaussianMechanism.forBudget(8.0, 1e-5, 1.0, 1).sigma();
        NamedTensors u = Payloads.update(i -> ((i % 7) - 3) / 2048.0); // norm well below the clip of 1
        for (Polled t : stage(run, 3, "TRAIN")) {
            int[] levels = q.encode(u.flatten(), new SplittableRandom(t.client()));
            io.cgfed.core.secagg.DistributedNoise.add(levels, io.cgfed.core.secagg.DistributedNoise.mu(sigma, 1.0, q.step(), 3),
                    random);
            assertStatus(deliver(t, Messages.maskedBytes(clients.get(t.client()).maskInput(levels, input(t).shares()).values()),
                    "application/octet-stream"), 202);
        }
        for (Polled t : stage(run, 3, "SECAGG_UNMASK")) {
            assertStatus(deliver(t, wire(clients.get(t.client()).unmask(new HashSet<>(input(t).survivors()))),
                    "application/octet-stream"), 202);
        }
        awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        // the mean of three equal updates plus the sum's noise over three: sigma x clip / 3 a value, centred
        NamedTensors v1 = adapter(run.id(), 1);
        double sum = 0;
        double square = 0;
        long n = 0;
        for (String name : v0.names()) {
            for (int i = 0; i < v0.get(name).size(); i++) {
                double e = v1.get(name).data()[i] - v0.get(name).data()[i] - u.get(name).data()[i];
                sum += e;
                square += e * e;
                n++;
            }
        }
        double std = Math.sqrt(square / n - (sum / n) * (sum / n));
        assertThat(std).isCloseTo(sigma / 3, within(0.15 * sigma / 3));
        assertThat(Math.abs(sum / n)).isLessThan(5 * sigma / 3 / Math.sqrt(n));
        String diagnostics = jdbc.queryForObject("SELECT aggregation_diagnostics FROM coordinator.adapter_versions "
                + "WHERE experiment_id = ? AND version = 1", String.class, run.id());
        JsonNode dp = JSON.readTree(diagnostics).get("distributedDp");
        // every client added its share: the sum carried the target multiplier, one round spent the whole budget
        assertThat(dp.get("sigmaEffective").asDouble()).isCloseTo(sigma, within(1e-9));
        assertThat(dp.get("centralEpsilon").asDouble()).isCloseTo(8.0, within(0.05));
    }

    @Test
    void compressedSecureAggregationSumsOneBitLevelsWithEachClientsBlockScalesAtASixteenthOfTheBytes() {
        ObjectNode spec = secureSpec("secure-compressed");
        spec.put("clients", 3).put("minClients", 3);
        ((ObjectNode) spec.get("codec")).put("name", "none");
        // compressed: bits left to its default there (1: levels -1 and +1 with each client's block scales)
        ((ObjectNode) spec.get("secureAggregation")).put("compression", 16).remove("bits");
        Running run = startExperiment(spec, 3);
        passBaseline(run.id(), run.workers());
        io.cgfed.core.protocol.ExperimentSpec parsed = JSON.treeToValue(spec, io.cgfed.core.protocol.ExperimentSpec.class);
        NamedTensors v0 = adapter(run.id(), 0);
        SecureRandom random = new SecureRandom();
        Map<Integer, SecAggClient> clients = new HashMap<>();
        io.cgfed.core.codec.rotq.SecureCode code = null;
        for (Polled t : stage(run, 3, "SECAGG_ADVERTISE")) {
            Messages.StageInput in = input(t);
            code = io.cgfed.core.codec.rotq.SecureCode.forRound(parsed, (int) Payloads.update(i -> 0).numel(), 3, in.context());
            assertThat(in.length()).as("the code's values and its block scales, not the update's").isEqualTo(code.length());
            assertThat(code.blockScaled()).isTrue();
            SecAggClient c = new SecAggClient(t.client(), in.config(), random);
            clients.put(t.client(), c);
            assertStatus(deliver(t, wire(c.advertise()), "application/octet-stream"), 202);
        }
        for (Polled t : stage(run, 3, "SECAGG_SHARE")) {
            assertStatus(deliver(t, wire(clients.get(t.client()).shareKeys(input(t).advertisements())),
                    "application/octet-stream"), 202);
        }
        List<IntToDoubleFunction> values = List.of(i -> ((i % 7) - 3) / 64.0, i -> ((i % 5) - 2) / 32.0,
                i -> ((i % 3) - 1) / 16.0);
        float[] mean = new float[(int) Payloads.update(i -> 0).numel()];
        int[] levelSum = new int[code.length()];
        for (Polled t : stage(run, 3, "TRAIN")) {
            float[] u = Payloads.update(values.get(t.client())).flatten();
            for (int i = 0; i < u.length; i++) {
                mean[i] += u[i] / 3;
            }
            int[] levels = code.encode(u, new SplittableRandom(t.client()));
            for (int i = 0; i < levels.length; i++) {
                levelSum[i] += levels[i];
            }
            byte[] packed = code.pack(clients.get(t.client()).maskInput(levels, input(t).shares()).values());
            // the masked code, its block scales included, is a sixteenth of the update's fp32 bytes, or less
            assertThat((long) packed.length).isLessThanOrEqualTo(4L * u.length / 16);
            assertStatus(deliver(t, packed, "application/octet-stream"), 202);
        }
        for (Polled t : stage(run, 3, "SECAGG_UNMASK")) {
            assertStatus(deliver(t, wire(clients.get(t.client()).unmask(new HashSet<>(input(t).survivors()))),
                    "application/octet-stream"), 202);
        }
        awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        // the adapter moved by the decoded sum of the clients' levels over 3: the masks cancelled exactly
        float[] expected = code.decodeSum(levelSum, 3);
        float[] got = adapter(run.id(), 1).flatten();
        float[] before = v0.flatten();
        double[] step = new double[got.length];
        double[] projected = toDouble(code.rotation().reconstruct(code.rotation().project(mean)));
        for (int i = 0; i < expected.length; i++) {
            step[i] = (double) got[i] - before[i];
            assertThat(step[i]).as("value %d", i).isCloseTo(expected[i] / 3.0, within(1e-6));
        }
        // and that step points where the clients' mean does, within the code's kept directions
        assertThat(cosine(step, projected)).isGreaterThan(0.5);
    }

    private static double[] toDouble(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }

    private static double cosine(double[] a, double[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    @Test
    void aTamperedShareFailsTheReceiversTaskWithTheReasonAndTheRoundGoesOnWithoutIt() {
        Running run = startExperiment(secureSpec("secure-tampered"), 4);
        passBaseline(run.id(), run.workers());
        SecureRandom random = new SecureRandom();
        Map<Integer, SecAggClient> clients = new HashMap<>();
        for (Polled t : stage(run, 4, "SECAGG_ADVERTISE")) {
            SecAggClient c = new SecAggClient(t.client(), input(t).config(), random);
            clients.put(t.client(), c);
            assertStatus(deliver(t, wire(c.advertise()), "application/octet-stream"), 202);
        }
        for (Polled t : stage(run, 4, "SECAGG_SHARE")) {
            List<Messages.SealedShare> shares = new java.util.ArrayList<>(clients.get(t.client()).shareKeys(input(t).advertisements()));
            if (t.client() == 0) {
                // client 0's share for client 1 is altered on its way (the server cannot tell: it cannot open it)
                for (int i = 0; i < shares.size(); i++) {
                    Messages.SealedShare s = shares.get(i);
                    if (s.to() == 1) {
                        byte[] c = s.ciphertext().clone();
                        c[20] ^= 0x01;
                        shares.set(i, new Messages.SealedShare(s.from(), s.to(), c));
                    }
                }
            }
            assertStatus(deliver(t, wire(shares), "application/octet-stream"), 202);
        }
        Quantiser q = new Quantiser(CLIP, BITS);
        for (Polled t : stage(run, 4, "TRAIN")) {
            int[] levels = q.encode(Payloads.update(i -> 0.01).flatten(), new SplittableRandom(t.client()));
            try {
                byte[] masked = Messages.maskedBytes(clients.get(t.client()).maskInput(levels, input(t).shares()).values());
                assertThat(t.client()).as("only client 1 got an altered share").isNotEqualTo(1);
                assertStatus(deliver(t, masked, "application/octet-stream"), 202);
            } catch (io.cgfed.core.secagg.SecAggException e) {
                // what a worker does with a task that failed: report it with the reason
                assertThat(t.client()).isEqualTo(1);
                assertThat(e.getMessage()).contains("the share from client 0 failed").contains("authentication failed");
                assertStatus(postAs(t.workerId(), "/api/v1/tasks/" + t.taskId() + "/failure",
                        JSON.createObjectNode().put("reason", e.getMessage())), 204);
            }
        }
        for (Polled t : stage(run, 3, "SECAGG_UNMASK")) {
            Messages.StageInput in = input(t);
            assertThat(in.survivors()).containsExactly(0, 2, 3);
            assertStatus(deliver(t, wire(clients.get(t.client()).unmask(new HashSet<>(in.survivors()))),
                    "application/octet-stream"), 202);
        }
        awaitExperiment(run.id(), "round 1 EVALUATING", roundIs(1, "EVALUATING"));
        // the round's record names client 1's failure and why
        String reason = jdbc.queryForObject("SELECT failure_reason FROM coordinator.tasks WHERE experiment_id = ? AND round = 1 "
                + "AND client_index = 1 AND type = 'TRAIN'", String.class, run.id());
        assertThat(reason).contains("authentication failed");
        assertThat(round(experiment(run.id()), 1).get("uploads").asInt()).isEqualTo(3);
        // and so does the registry's record of the round once it closes: three clients on time (their masked inputs),
        // one failed
        Polled eval = awaitTask(run.workers());
        assertStatus(reportEvaluation(eval.workerId(), eval.taskId(), 4.0, 0.5), 204);
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        JsonNode clientRows = null;
        JsonNode record = null;
        while (clientRows == null || clientRows.size() < 4) {
            assertThat(System.nanoTime()).as("round 1's record reached the registry: %s", record).isLessThan(deadline);
            record = PEERS.registryRound(run.id(), 1);
            clientRows = record == null ? null : record.path("metrics").path("clients");
            sleep(50);
        }
        for (JsonNode c : clientRows) {
            if (c.get("client").asInt() == 1) {
                assertThat(c.get("outcome").asString()).isEqualTo("FAILED");
                assertThat(c.get("reason").asString()).contains("authentication failed");
            } else {
                assertThat(c.get("outcome").asString()).as("client %s", c.get("client")).isEqualTo("ON_TIME");
            }
        }
    }

    /**
     * Five clients, complete graph, threshold 3: the round runs its stages with every client sending its masked
     * input, then {@code silent} of them do not answer the unmasking. Returns the experiment's view once the round
     * moved on (EVALUATING) or the experiment failed.
     */
    private JsonNode unmaskingWithout(String name, List<Integer> silent, Map<Integer, NamedTensors> updates) {
        ObjectNode spec = secureSpec(name);
        spec.put("clients", 5).put("minClients", 3);
        Running run = startExperiment(spec, 5);
        passBaseline(run.id(), run.workers());
        Map<Integer, SecAggClient> clients = keysShared(run, 5);
        assertThat(clients.get(0).config().threshold()).isEqualTo(3);
        Quantiser q = new Quantiser(CLIP, BITS);
        for (Polled t : stage(run, 5, "TRAIN")) {
            NamedTensors u = Payloads.update(i -> ((i + t.client()) % 9 - 4) / 128.0);
            updates.put(t.client(), u);
            int[] levels = q.encode(u.flatten(), new SplittableRandom(t.client()));
            assertStatus(deliver(t, Messages.maskedBytes(clients.get(t.client()).maskInput(levels, input(t).shares()).values()),
                    "application/octet-stream"), 202);
        }
        for (Polled t : stage(run, 5, "SECAGG_UNMASK")) {
            if (silent.contains(t.client())) {
                continue; // it dropped out after sending its input
            }
            assertStatus(deliver(t, wire(clients.get(t.client()).unmask(new HashSet<>(input(t).survivors()))),
                    "application/octet-stream"), 202);
        }
        return awaitExperiment(run.id(), "round 1 aggregated or the experiment failed",
                e -> e.get("status").asString().equals("FAILED") || roundIs(1, "EVALUATING").test(e));
    }

    @Test
    void aClientThatDropsAfterItsInputIsStillSummed() {
        Map<Integer, NamedTensors> updates = new HashMap<>();
        JsonNode e = unmaskingWithout("secure-unmask-dropout", List.of(4), updates);
        assertThat(e.get("status").asString()).isEqualTo("RUNNING");
        // client 4's input is in the sum (its self-mask rebuilt from the others' shares): the mean of all five
        UUID id = UUID.fromString(e.get("id").asString());
        NamedTensors v0 = adapter(id, 0);
        NamedTensors v1 = adapter(id, 1);
        Quantiser q = new Quantiser(CLIP, BITS);
        for (String name : v0.names()) {
            for (int i = 0; i < v0.get(name).size(); i++) {
                double mean = 0;
                for (NamedTensors u : updates.values()) {
                    mean += u.get(name).data()[i] / 5.0;
                }
                assertThat((double) v1.get(name).data()[i] - v0.get(name).data()[i]).as("%s[%d]", name, i)
                        .isCloseTo(mean, within(q.step()));
            }
        }
    }

    @Test
    void twoClientsSilentAtTheUnmaskingFailTheRoundWithTheReason() {
        // each answering survivor's self-mask has 2 of the 3 shares it needs
        JsonNode failed = unmaskingWithout("secure-unmask-two-dropouts", List.of(3, 4), new HashMap<>());
        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.get("failureReason").asString()).contains("secure aggregation stage UNMASK")
                .contains("fewer than the threshold 3");
    }

    @Test
    void aSpecThatCannotRunSecurelyIsRefusedNamingTheField() {
        ObjectNode krum = secureSpec("secure-krum");
        krum.putObject("aggregation").put("name", "median");
        assertThat(assertProblem(post("/api/v1/experiments", krum), 400).toString()).contains("aggregation.name")
                .contains("individual updates");
        ObjectNode rotq = secureSpec("secure-topk");
        ((ObjectNode) rotq.get("codec")).put("name", "topk");
        assertThat(assertProblem(post("/api/v1/experiments", rotq), 400).toString()).contains("codec.name");
        ObjectNode audit = secureSpec("secure-audit");
        ((ObjectNode) audit.get("codec")).put("audit", true);
        assertThat(assertProblem(post("/api/v1/experiments", audit), 400).toString()).contains("codec.audit");
        ObjectNode threshold = secureSpec("secure-threshold");
        ((ObjectNode) threshold.get("secureAggregation")).put("threshold", 1);
        assertThat(assertProblem(post("/api/v1/experiments", threshold), 400).toString())
                .contains("secureAggregation.threshold").contains("majority");
        ObjectNode two = secureSpec("secure-two");
        two.put("clients", 2).put("minClients", 2);
        assertThat(assertProblem(post("/api/v1/experiments", two), 400).toString()).contains("at least 3 clients");
        ObjectNode wraps = secureSpec("secure-wrap");
        ((ObjectNode) wraps.get("secureAggregation")).put("bits", 31);
        assertThat(assertProblem(post("/api/v1/experiments", wraps), 400).toString()).contains("secureAggregation.bits");
        // 1-bit levels are the block-scaled code's: not without compression, not under distributed DP
        ObjectNode oneBit = secureSpec("secure-one-bit");
        ((ObjectNode) oneBit.get("secureAggregation")).put("bits", 1);
        assertThat(assertProblem(post("/api/v1/experiments", oneBit), 400).toString())
                .contains("secureAggregation.bits").contains("compression");
        ObjectNode oneBitDp = secureSpec("secure-one-bit-dp");
        ((ObjectNode) oneBitDp.get("codec")).put("name", "none").putObject("privacy").put("epsilon", 8.0).put("delta", 1e-5).put("clipNorm", 1.0);
        ((ObjectNode) oneBitDp.get("secureAggregation")).put("compression", 64).remove("bits");
        assertThat(assertProblem(post("/api/v1/experiments", oneBitDp), 400).toString())
                .contains("secureAggregation.bits").contains("distributed DP");
    }

    private static double cosine(float[] a, int[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * (double) b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(aa * bb);
    }

    /** A secure aggregation delivery's bytes (docs/wire-format.md). */
    @SuppressWarnings("unchecked")
    private static byte[] wire(Object message) {
        if (message instanceof Messages.Advertisement a) {
            return Messages.encode(a);
        }
        if (message instanceof Messages.Unmasking u) {
            return Messages.encode(u);
        }
        return Messages.encodeShares((List<Messages.SealedShare>) message);
    }
}
