package io.cgfed.coordinator.secagg;

import io.cgfed.coordinator.experiment.SpecRules;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.secagg.Messages;
import io.cgfed.core.secagg.SecAggConfig;
import io.cgfed.core.secagg.SecAggServer;
import io.cgfed.core.tensor.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * A securely aggregated round's configuration, the same for the coordinator and every client (the round's clients
 * are those given an ADVERTISE task; the context, which seeds the graph and binds every ciphertext and mask, is
 * the experiment and round), and its server rebuilt from the stored messages.
 */
@Component
public class SecAggRounds {
    private final SecAggStore store;
    private final TaskRepository tasks;

    SecAggRounds(SecAggStore store, TaskRepository tasks) {
        this.store = store;
        this.tasks = tasks;
    }

    public SecAggConfig config(UUID experimentId, int round, ExperimentSpec spec) {
        List<Integer> clients = tasks.findByExperimentIdAndRoundAndType(experimentId, round,
                        io.cgfed.core.protocol.TaskMessage.TaskType.SECAGG_ADVERTISE).stream()
                .map(Task::getClientIndex).distinct().sorted().toList();
        int[] degreeAndThreshold = SpecRules.secureAggregation(spec);
        byte[] context = context(experimentId, round);
        int length = code(spec, clients.size(), context).length();
        return new SecAggConfig(clients, Math.min(degreeAndThreshold[0], clients.size() - 1), degreeAndThreshold[1],
                length, context);
    }

    static byte[] context(UUID experimentId, int round) {
        return (experimentId + "/round/" + round).getBytes(StandardCharsets.UTF_8);
    }

    public static int updateLength(ExperimentSpec spec) {
        return Math.toIntExact(TensorSpec.totalNumel(SpecRules.updateLayout(spec)));
    }

    /** The round's code: the update's values, or compressed secure aggregation's rotation, and the wire width. */
    public static io.cgfed.core.codec.rotq.SecureCode code(ExperimentSpec spec, int clients, byte[] context) {
        return io.cgfed.core.codec.rotq.SecureCode.forRound(spec, updateLength(spec), clients, context);
    }

    /** The round's code for a configuration of it. */
    public static io.cgfed.core.codec.rotq.SecureCode code(ExperimentSpec spec, SecAggConfig config) {
        return code(spec, config.clients().size(), config.context());
    }

    /**
     * The round's server with the messages of every stage before {@code through} fed and each of those stages
     * closed, then {@code through}'s own messages fed (not closed). {@code DONE}: every stage's messages fed,
     * ready to {@link SecAggServer#finish}.
     */
    public SecAggServer replay(UUID experimentId, int round, SecAggConfig config, SecAggStage through, ExperimentSpec spec) {
        return replay(experimentId, round, config, through, spec, false);
    }

    /**
     * As above; {@code sums}: the masked inputs are read with their values, which only the unmasking's
     * {@code finish} needs (a 7B round holds n x 8.4 M of them); without, only that each arrived.
     */
    public SecAggServer replay(UUID experimentId, int round, SecAggConfig config, SecAggStage through, ExperimentSpec spec,
                               boolean sums) {
        SecAggServer server = closedBefore(experimentId, round, config, through, spec, sums);
        if (through != SecAggStage.DONE) {
            feed(experimentId, round, server, through, spec, config, sums);
        }
        return server;
    }

    /**
     * The round's server with every stage before {@code stage} fed and closed and nothing of {@code stage}: what a
     * delivery of {@code stage} is checked against ({@link SecAggServer#checkShares} and the like, which leave it
     * as it is) and a stage input is read from. Once {@code stage} is the round's stage those earlier stages are
     * final (a closed stage takes no more messages), so the server is kept for the stage's other requests (the last
     * few rounds' worth): without it each of the n deliveries and n inputs of a stage would replay the n k sealed
     * shares before it, O(n^2 k) a stage. Shared by request threads: never fed after it is built.
     */
    public SecAggServer before(UUID experimentId, int round, SecAggConfig config, SecAggStage stage, ExperimentSpec spec) {
        String key = experimentId + "/" + round + "/" + stage;
        Prepared kept = prepared.get(key);
        if (kept != null && kept.config().clients().equals(config.clients())
                && java.util.Arrays.equals(kept.config().context(), config.context()) && kept.config().length() == config.length()
                && kept.config().degree() == config.degree() && kept.config().threshold() == config.threshold()) {
            return kept.server();
        }
        SecAggServer server = closedBefore(experimentId, round, config, stage, spec, false);
        prepared.put(key, new Prepared(config, server));
        return server;
    }

    private record Prepared(SecAggConfig config, SecAggServer server) {
    }

    /** The servers {@link #before} built, the most recently used last; a few rounds' stages. */
    private final Map<String, Prepared> prepared = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Prepared> eldest) {
                    return size() > 32;
                }
            });

    /** A new server with every stage before {@code stage} fed and closed (the masked inputs' values with sums). */
    private SecAggServer closedBefore(UUID experimentId, int round, SecAggConfig config, SecAggStage stage,
                                      ExperimentSpec spec, boolean sums) {
        SecAggServer server = new SecAggServer(config);
        for (SecAggStage s : List.of(SecAggStage.ADVERTISE, SecAggStage.SHARE, SecAggStage.MASKED_INPUT, SecAggStage.UNMASK)) {
            if (s.ordinal() >= stage.ordinal()) {
                break;
            }
            feed(experimentId, round, server, s, spec, config, sums);
            switch (s) {
                case ADVERTISE -> server.closeAdvertisements();
                case SHARE -> server.closeSharing();
                case MASKED_INPUT -> server.closeMaskedInputs();
                default -> { }
            }
        }
        return server;
    }

    /** A stage's stored messages into the server (the masked inputs' values only with {@code sums}). */
    private void feed(UUID experimentId, int round, SecAggServer server, SecAggStage stage, ExperimentSpec spec,
                      SecAggConfig config, boolean sums) {
        if (stage == SecAggStage.MASKED_INPUT && !sums) {
            store.clients(experimentId, round, stage.name()).forEach(server::maskedInputArrived);
            return;
        }
        io.cgfed.core.codec.rotq.SecureCode code = code(spec, config);
        store.messages(experimentId, round, stage.name()).forEach((client, body) -> feed(server, stage, client, body, code));
    }

    /**
     * Whether the server would take this message of {@code stage}, checked on the stages closed before it and
     * without feeding it ({@link #before}'s servers stay as they are). A masked input is checked for its size.
     */
    void check(SecAggServer server, SecAggStage stage, int client, byte[] body, io.cgfed.core.codec.rotq.SecureCode code) {
        switch (stage) {
            case ADVERTISE -> server.checkAdvertisement(Messages.advertisement(body));
            case SHARE -> server.checkShares(client, Messages.shares(body));
            case MASKED_INPUT -> code.unpack(body);
            case UNMASK -> server.checkUnmasking(Messages.unmasking(body));
            case DONE -> throw new IllegalArgumentException("no messages in stage DONE");
        }
    }

    /** One stored message into the server, as it was accepted. */
    void feed(SecAggServer server, SecAggStage stage, int client, byte[] body, io.cgfed.core.codec.rotq.SecureCode code) {
        switch (stage) {
            case ADVERTISE -> server.advertised(Messages.advertisement(body));
            case SHARE -> server.sharesFrom(client, Messages.shares(body));
            case MASKED_INPUT -> server.maskedInput(new Messages.MaskedInput(client, code.unpack(body)));
            case UNMASK -> server.unmasking(Messages.unmasking(body));
            case DONE -> throw new IllegalArgumentException("no messages in stage DONE");
        }
    }
}
