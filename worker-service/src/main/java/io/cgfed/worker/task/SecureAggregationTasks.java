package io.cgfed.worker.task;

import io.cgfed.core.codec.rotq.SecureCode;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.Seeds;
import io.cgfed.core.protocol.TaskMessage;
import io.cgfed.core.secagg.DistributedNoise;
import io.cgfed.core.secagg.Messages;
import io.cgfed.core.secagg.SecAggClient;
import io.cgfed.core.secagg.SecAggConfig;
import io.cgfed.core.secagg.SecAggException;
import io.cgfed.worker.client.CoordinatorClient;
import io.cgfed.worker.model.ModelHost;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A worker's clients in secure aggregation (SecAgg+): each stage task fetches its input, runs the client's step
 * ({@link SecAggClient}) and delivers the result. The client's secrets (its private keys, its self-mask seed, the
 * shares it holds for others) stay in this worker's memory from ADVERTISE to UNMASK and never leave it; a worker
 * that restarts mid-round has lost them, and its client counts as dropped out (the protocol survives that up to
 * its threshold). The TRAIN stage trains as usual and sends its update quantised ({@link io.cgfed.core.secagg.Quantiser}: clipped to
 * {@code clipRange}, {@code bits}-bit levels, stochastic rounding) and masked, never in the clear; with
 * {@code codec.privacy} the update is clipped to its norm bound and the client adds its share of the central
 * noise to its levels ({@link DistributedNoise}: distributed DP). With {@code secureAggregation.compression} the
 * update is sent as the round's shared rotation code ({@link SecureCode}: each block with this client's own scale,
 * or one scale for all under distributed DP), its levels packed to the bits the sum needs, and with
 * {@code codec.errorFeedback} the client keeps what the code missed for its next round.
 */
@Component
class SecureAggregationTasks {
    private static final Logger log = LoggerFactory.getLogger(SecureAggregationTasks.class);
    private final CoordinatorClient coordinator;
    private final ModelHost models;
    private final UpdateTrainer trainer;
    private final SecureRandom random = new SecureRandom();
    /** The clients in a round, by experiment/round/client; removed after their unmasking (or with the round). */
    private final Map<String, SecAggClient> clients = new ConcurrentHashMap<>();
    /** Compressed secure aggregation with error feedback: what each client's code missed, by experiment/client. */
    private final Map<String, float[]> residuals = new ConcurrentHashMap<>();

    SecureAggregationTasks(CoordinatorClient coordinator, ModelHost models, UpdateTrainer trainer) {
        this.coordinator = coordinator;
        this.models = models;
        this.trainer = trainer;
    }

    private static String key(TaskMessage task) {
        return task.experimentId() + "/" + task.round() + "/" + task.clientIndex();
    }

    void run(UUID workerId, TaskMessage task) {
        java.time.Duration patience = TaskRunner.patience(task);
        Messages.StageInput input = coordinator.secaggInput(workerId, task.taskId(), patience);
        switch (task.type()) {
            case SECAGG_ADVERTISE -> {
                forget(task.experimentId(), task.round());
                SecAggClient client = new SecAggClient(task.clientIndex(), input.config(), random);
                clients.put(key(task), client);
                coordinator.secaggDeliver(workerId, task.taskId(), Messages.encode(client.advertise()), patience);
            }
            case SECAGG_SHARE -> coordinator.secaggDeliver(workerId, task.taskId(),
                    Messages.encodeShares(client(task, input).shareKeys(input.advertisements())), patience);
            case TRAIN -> {
                SecAggClient client = client(task, input);
                float[] update = models.exclusive(() -> trainer.trainFlat(task));
                SecureCode code = SecureCode.forRound(task.spec(), update.length, input.clients().size(), input.context());
                if (code.length() != input.length()) {
                    throw new SecAggException("the round sums codes of " + input.length() + " values, this client's has "
                            + code.length());
                }
                SplittableRandom rounding = new SplittableRandom(
                        Seeds.task(task.spec().seed(), task.round(), task.clientIndex()) ^ 0x5ECA66L);
                // compressed with error feedback: what the code missed last round goes into this one
                boolean feedback = code.rotation() != null && task.spec().codec().errorFeedback();
                String feedbackKey = task.experimentId() + "/" + task.clientIndex();
                float[] intended = update;
                float[] residual = feedback ? residuals.get(feedbackKey) : null;
                if (residual != null && residual.length == intended.length) {
                    for (int i = 0; i < intended.length; i++) {
                        intended[i] += residual[i];
                    }
                }
                int[] levels = code.encode(intended, rounding);
                if (feedback) {
                    float[] sent = code.decode(levels);
                    for (int i = 0; i < intended.length; i++) {
                        intended[i] -= sent[i];
                    }
                    residuals.put(feedbackKey, intended);
                }
                ExperimentSpec.Privacy privacy = task.spec().codec().privacy();
                if (privacy != null) {
                    // distributed DP: this client's share of the central noise (the sum of the round's shares carries it)
                    DistributedNoise.add(levels, DistributedNoise.mu(SecureCode.sigma(task.spec()), privacy.clipNorm(), code.step(),
                            input.clients().size()), random);
                }
                Messages.MaskedInput masked = client.maskInput(levels, input.shares());
                coordinator.secaggDeliver(workerId, task.taskId(), code.pack(masked.values()),
                        patience);
            }
            case SECAGG_UNMASK -> {
                Messages.Unmasking u = client(task, input).unmask(new HashSet<>(input.survivors()));
                coordinator.secaggDeliver(workerId, task.taskId(), Messages.encode(u), patience);
                clients.remove(key(task));
                log.info("experiment {} round {} client {}: secure aggregation done, its secrets dropped",
                        task.experimentId(), task.round(), task.clientIndex());
            }
            default -> throw new IllegalArgumentException("not a secure aggregation task: " + task.type());
        }
    }

    /** The client this worker began the round with, checked against the configuration the coordinator now gives. */
    private SecAggClient client(TaskMessage task, Messages.StageInput input) {
        SecAggClient client = clients.get(key(task));
        if (client == null) {
            throw new SecAggException("client " + task.clientIndex() + " has no secure aggregation state for round "
                    + task.round() + " on this worker (restarted since its keys were advertised?): it has dropped out");
        }
        SecAggConfig config = input.config();
        if (!config.clients().equals(client.config().clients()) || !Arrays.equals(config.context(), client.config().context())) {
            throw new SecAggException("the round's secure aggregation configuration changed since client "
                    + task.clientIndex() + " advertised its keys");
        }
        return client;
    }

    /** A new round of an experiment: the clients of its earlier rounds are of no more use. */
    private void forget(UUID experimentId, int round) {
        clients.keySet().removeIf(k -> {
            String[] parts = k.split("/");
            return parts[0].equals(experimentId.toString()) && Integer.parseInt(parts[1]) < round;
        });
    }
}
