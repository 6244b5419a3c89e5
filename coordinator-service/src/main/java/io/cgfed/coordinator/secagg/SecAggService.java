package io.cgfed.coordinator.secagg;

import io.cgfed.coordinator.experiment.Experiment;
import io.cgfed.coordinator.experiment.ExperimentService;
import io.cgfed.coordinator.experiment.ExperimentStatus;
import io.cgfed.coordinator.round.Round;
import io.cgfed.coordinator.round.RoundRepository;
import io.cgfed.coordinator.round.RoundStatus;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskService;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.secagg.Messages;
import io.cgfed.core.secagg.SecAggConfig;
import io.cgfed.core.secagg.SecAggException;
import io.cgfed.core.secagg.SecAggServer;
import io.cgfed.service.support.ApiException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.ObjectMapper;

/**
 * The coordinator as SecAgg+'s server for the workers: what a stage task needs ({@link #input}) and what it
 * delivers ({@link #accept}). A delivery is checked as the protocol's server would take it (replayed onto the
 * round's stored messages: keys of the right size, shares only to the sender's advertised neighbours, unmasking
 * shares of the right kind for each neighbour, a masked input of the round's length from a client that shared its
 * keys), stored with the round locked, and completes its task; the same body again is a duplicate (200), another
 * one a 409. Nothing here holds state between calls.
 */
@Service
public class SecAggService {
    private static final Logger log = LoggerFactory.getLogger(SecAggService.class);
    private final TaskService tasks;
    private final ExperimentService experiments;
    private final RoundRepository rounds;
    private final SecAggRounds secagg;
    private final SecAggStore store;
    private final ObjectMapper json;
    private final TransactionTemplate tx;

    SecAggService(TaskService tasks, ExperimentService experiments, RoundRepository rounds, SecAggRounds secagg,
                  SecAggStore store, ObjectMapper json, TransactionTemplate tx) {
        this.tasks = tasks;
        this.experiments = experiments;
        this.rounds = rounds;
        this.secagg = secagg;
        this.store = store;
        this.json = json;
        this.tx = tx;
    }

    /** At most the bytes of a masked input of this task's round (4 a value of the update layout). */
    public long maskedInputBytes(UUID taskId, UUID workerId) {
        Task task = tasks.ownTask(taskId, workerId);
        return 4L * SecAggRounds.updateLength(secureSpec(task));
    }

    /** The receipt of a stage delivery. */
    public record Receipt(String status, UUID taskId, String stage, int client, int bytes) {
    }

    /** What a stage task of this worker needs: the round's configuration and the stage's input for its client. */
    public Messages.StageInput input(UUID taskId, UUID workerId) {
        Task task = tasks.ownTask(taskId, workerId);
        SecAggStage stage = stageOf(task);
        ExperimentSpec spec = secureSpec(task);
        Round round = rounds.findByExperimentIdAndRound(task.getExperimentId(), task.getRound()).orElseThrow();
        requireStage(round, stage, task);
        SecAggConfig config = secagg.config(task.getExperimentId(), task.getRound(), spec);
        List<Messages.Advertisement> ads = List.of();
        List<Messages.SealedShare> shares = List.of();
        List<Integer> survivors = List.of();
        switch (stage) {
            case SHARE -> ads = secagg.before(task.getExperimentId(), task.getRound(), config, SecAggStage.SHARE, spec)
                    .advertisementsFor(task.getClientIndex());
            case MASKED_INPUT -> shares = secagg.before(task.getExperimentId(), task.getRound(), config,
                    SecAggStage.MASKED_INPUT, spec).sharesFor(task.getClientIndex());
            case UNMASK -> survivors = new ArrayList<>(store.clients(task.getExperimentId(), task.getRound(),
                    SecAggStage.MASKED_INPUT.name()));
            default -> { }
        }
        return new Messages.StageInput(stage.name(), config.clients(), config.degree(), config.threshold(), config.length(),
                config.context(), ads, shares, survivors);
    }

    /**
     * A stage task's delivery: JSON ({@code Advertisement}, a list of {@code SealedShare}, {@code Unmasking}) or,
     * for the masked input (the TRAIN task), the values as little-endian u32.
     */
    public Receipt accept(UUID taskId, UUID workerId, byte[] body) {
        Receipt receipt = tx.execute(s -> {
            Task task = tasks.ownTask(taskId, workerId);
            SecAggStage stage = stageOf(task);
            ExperimentSpec spec = secureSpec(task);
            UUID id = task.getExperimentId();
            Round round = rounds.lock(id, task.getRound()).orElseThrow();
            byte[] existing = store.find(id, task.getRound(), stage.name(), task.getClientIndex());
            if (existing != null) {
                if (Arrays.equals(existing, body)) {
                    return new Receipt("DUPLICATE", taskId, stage.name(), task.getClientIndex(), body.length);
                }
                throw ApiException.conflict("client " + task.getClientIndex() + " already delivered its " + stage
                        + " message for round " + task.getRound() + ", a different one");
            }
            requireStage(round, stage, task);
            if (!task.isOpen()) {
                throw ApiException.conflict("task " + taskId + " is " + task.getStatus() + ": its stage closed without it");
            }
            SecAggConfig config = secagg.config(id, task.getRound(), spec);
            check(stage, task, body, config, spec);
            store.save(id, task.getRound(), stage.name(), task.getClientIndex(), body);
            task.complete(Instant.now());
            return new Receipt("ACCEPTED", taskId, stage.name(), task.getClientIndex(), body.length);
        });
        log.debug("secure aggregation {} from client {}: {}", receipt.stage(), receipt.client(), receipt.status());
        return receipt;
    }

    /** The delivery as the server would take it; a 400 naming what is wrong otherwise. */
    private void check(SecAggStage stage, Task task, byte[] body, SecAggConfig config, ExperimentSpec spec) {
        try {
            if (stage == SecAggStage.MASKED_INPUT) {
                // the other inputs need not be replayed: a masked input is checked against its own stage alone
                SecAggRounds.code(spec, config).unpack(body);
                if (store.find(task.getExperimentId(), task.getRound(), SecAggStage.SHARE.name(), task.getClientIndex()) == null) {
                    throw new SecAggException("client " + task.getClientIndex() + " did not share keys");
                }
                return;
            }
            int client = switch (stage) {
                case ADVERTISE -> Messages.advertisement(body).client();
                case UNMASK -> Messages.unmasking(body).from();
                default -> task.getClientIndex();
            };
            if (client != task.getClientIndex()) {
                throw new SecAggException("the message names client " + client + ", the task is client "
                        + task.getClientIndex() + "'s");
            }
            // against the stages closed before this one (kept between deliveries); the stage's other messages do not
            // bear on this one, and a client's second one is the duplicate found above
            SecAggServer server = secagg.before(task.getExperimentId(), task.getRound(), config, stage, spec);
            secagg.check(server, stage, task.getClientIndex(), body, SecAggRounds.code(spec, config));
        } catch (SecAggException | tools.jackson.core.JacksonException e) {
            throw ApiException.badRequest("secure aggregation " + stage + " message: " + e.getMessage());
        }
    }

    private static SecAggStage stageOf(Task task) {
        SecAggStage stage = SecAggStage.of(task.getType());
        if (stage == null) {
            throw ApiException.conflict("task " + task.getId() + " is a " + task.getType() + " task: no secure aggregation stage");
        }
        return stage;
    }

    private ExperimentSpec secureSpec(Task task) {
        Experiment e = experiments.find(task.getExperimentId());
        if (e.getStatus() != ExperimentStatus.RUNNING) {
            throw ApiException.conflict("experiment " + e.getId() + " is " + e.getStatus());
        }
        ExperimentSpec spec = experiments.spec(e);
        if (!spec.secureAggregation().enabled()) {
            throw ApiException.conflict("experiment " + e.getId() + " is not securely aggregated");
        }
        return spec;
    }

    private static void requireStage(Round round, SecAggStage stage, Task task) {
        if (round.getStatus() != RoundStatus.OPEN || !stage.name().equals(round.getSecaggStage())) {
            throw ApiException.conflict("round " + task.getRound() + " is " + round.getStatus() + " in secure aggregation stage "
                    + round.getSecaggStage() + ", not " + stage + ": the message is late");
        }
    }

    /** For tests and the logs: the stage messages stored for a round, by stage (never the clients' updates). */
    public Map<Integer, byte[]> stored(UUID experimentId, int round, SecAggStage stage) {
        return store.messages(experimentId, round, stage.name());
    }
}
