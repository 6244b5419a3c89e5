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
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * A securely aggregated round's configuration, the same for the coordinator and every client (the round's clients
 * are those given an ADVERTISE task; the context, which seeds the graph and binds every ciphertext and mask, is
 * the experiment and round), and its server rebuilt from the stored messages.
 */
@Component
public class SecAggRounds {
    static final TypeReference<List<Messages.SealedShare>> SHARES = new TypeReference<>() {
    };
    private final SecAggStore store;
    private final TaskRepository tasks;
    private final ObjectMapper json;

    SecAggRounds(SecAggStore store, TaskRepository tasks, ObjectMapper json) {
        this.store = store;
        this.tasks = tasks;
        this.json = json;
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
        io.cgfed.core.codec.rotq.SecureCode code = code(spec, config);
        SecAggServer server = new SecAggServer(config);
        for (SecAggStage stage : List.of(SecAggStage.ADVERTISE, SecAggStage.SHARE, SecAggStage.MASKED_INPUT,
                SecAggStage.UNMASK)) {
            if (stage.ordinal() > through.ordinal()) {
                break;
            }
            if (stage == SecAggStage.MASKED_INPUT && !sums) {
                store.clients(experimentId, round, stage.name()).forEach(server::maskedInputArrived);
            } else {
                store.messages(experimentId, round, stage.name())
                        .forEach((client, body) -> feed(server, stage, client, body, code));
            }
            if (stage.ordinal() < through.ordinal()) {
                switch (stage) {
                    case ADVERTISE -> server.closeAdvertisements();
                    case SHARE -> server.closeSharing();
                    case MASKED_INPUT -> server.closeMaskedInputs();
                    default -> { }
                }
            }
        }
        return server;
    }

    /** One stored message into the server, as it was accepted. */
    void feed(SecAggServer server, SecAggStage stage, int client, byte[] body, io.cgfed.core.codec.rotq.SecureCode code) {
        switch (stage) {
            case ADVERTISE -> server.advertised(json.readValue(body, Messages.Advertisement.class));
            case SHARE -> server.sharesFrom(client, json.readValue(body, SHARES));
            case MASKED_INPUT -> server.maskedInput(new Messages.MaskedInput(client, code.unpack(body)));
            case UNMASK -> server.unmasking(json.readValue(body, Messages.Unmasking.class));
            case DONE -> throw new IllegalArgumentException("no messages in stage DONE");
        }
    }
}
