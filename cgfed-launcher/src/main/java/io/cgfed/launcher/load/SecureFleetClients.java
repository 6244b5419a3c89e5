package io.cgfed.launcher.load;

import io.cgfed.core.codec.rotq.SecureCode;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.secagg.Messages;
import io.cgfed.core.secagg.SecAggClient;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The simulated workers' side of secure aggregation: each client's real {@link SecAggClient} from its ADVERTISE
 * task to its UNMASK task, and for the TRAIN stage a synthetic update (Gaussian, seeded by round and client)
 * encoded by the round's {@link SecureCode} and masked, exactly as a worker-service sends it. The client CPU it
 * spends is counted, so a run can set it beside the coordinator's.
 */
final class SecureFleetClients {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final Map<String, SecAggClient> clients = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final int updateValues;
    private final AtomicLong cpuNanos = new AtomicLong();

    /** @param updateValues values of one update in the experiment's layout */
    SecureFleetClients(int updateValues) {
        this.updateValues = updateValues;
    }

    /** The client's step for a stage task, given the stage input the coordinator served for it: what it delivers. */
    byte[] step(String type, JsonNode task, byte[] stageInput) {
        long t0 = threadCpu();
        try {
            Messages.StageInput input = JSON.readValue(stageInput, Messages.StageInput.class);
            int client = task.get("clientIndex").asInt();
            int round = task.get("round").asInt();
            String key = task.get("experimentId").asString() + "/" + round + "/" + client;
            switch (type) {
                case "SECAGG_ADVERTISE" -> {
                    SecAggClient c = new SecAggClient(client, input.config(), random);
                    clients.put(key, c);
                    return Messages.encode(c.advertise());
                }
                case "SECAGG_SHARE" -> {
                    return Messages.encodeShares(client(key).shareKeys(input.advertisements()));
                }
                case "TRAIN" -> {
                    ExperimentSpec spec = JSON.treeToValue(task.get("spec"), ExperimentSpec.class);
                    SecureCode code = SecureCode.forRound(spec, updateValues, input.clients().size(), input.context());
                    SplittableRandom r = new SplittableRandom(round * 1_000_003L + client);
                    float[] update = new float[updateValues];
                    for (int i = 0; i < update.length; i++) {
                        update[i] = (float) (r.nextDouble(-1, 1) * 1e-3);
                    }
                    int[] levels = code.encode(update, r);
                    return code.pack(client(key).maskInput(levels, input.shares()).values());
                }
                case "SECAGG_UNMASK" -> {
                    Messages.Unmasking u = client(key).unmask(new HashSet<>(input.survivors()));
                    clients.remove(key);
                    return Messages.encode(u);
                }
                default -> throw new IllegalArgumentException("not a secure aggregation stage: " + type);
            }
        } finally {
            cpuNanos.addAndGet(threadCpu() - t0);
        }
    }

    private SecAggClient client(String key) {
        SecAggClient c = clients.get(key);
        if (c == null) {
            throw new IllegalStateException("no secure aggregation client " + key + " (its ADVERTISE task was not seen)");
        }
        return c;
    }

    /** CPU the clients' steps took, all threads together. */
    double cpuSeconds() {
        return cpuNanos.get() / 1e9;
    }

    private static long threadCpu() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
