package io.cgfed.coordinator.round;

import io.cgfed.coordinator.adapter.AdapterStore;
import io.cgfed.coordinator.experiment.ExperimentRepository;
import io.cgfed.coordinator.secagg.SecAggStore;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.core.aggregation.ServerOptimizer;
import io.cgfed.core.aggregation.Strategies;
import io.cgfed.core.aggregation.Strategy;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.ObjectMapper;

/**
 * Closes an AGGREGATING round of a securely aggregated experiment: the unmasked mean {@link SecAggPhase} stored is
 * the round's combined update (no codec-service call: there is nothing it could decode, and no individual update
 * to quarantine); the strategy's server optimiser steps from it as in a clear round, and one transaction stores
 * the adapter version, the round's numbers (the survivors, the bytes the protocol's messages took) and the
 * evaluation task.
 */
@Component
class SecureRoundCloser {
    private static final Logger log = LoggerFactory.getLogger(SecureRoundCloser.class);
    private final SecAggStore store;
    private final AdapterStore adapters;
    private final RoundRepository rounds;
    private final TaskRepository tasks;
    private final ExperimentRepository experiments;
    private final ClientAssignments assignments;
    private final TransactionTemplate tx;
    private final ObjectMapper json;

    SecureRoundCloser(SecAggStore store, AdapterStore adapters, RoundRepository rounds, TaskRepository tasks,
                      ExperimentRepository experiments, ClientAssignments assignments, TransactionTemplate tx,
                      ObjectMapper json) {
        this.store = store;
        this.adapters = adapters;
        this.rounds = rounds;
        this.tasks = tasks;
        this.experiments = experiments;
        this.assignments = assignments;
        this.tx = tx;
        this.json = json;
    }

    /** True when this call applied the round. */
    boolean aggregate(UUID experimentId, int roundNo, ExperimentSpec spec) {
        long start = System.nanoTime();
        byte[] stored = store.result(experimentId, roundNo);
        if (stored == null) {
            throw new IllegalStateException("round " + roundNo + " is AGGREGATING without its unmasked aggregate");
        }
        SafeTensors.Parsed result = SafeTensors.parse(stored);
        List<Integer> survivors = ints(result.metadata().get("survivors"));
        NamedTensors previous = adapters.load(experimentId, roundNo - 1);
        Strategy strategy = Strategies.create(spec.aggregation().name(), spec.aggregation().settings());
        NamedTensors previousState = strategy.optimizer() == ServerOptimizer.PLAIN ? null
                : adapters.serverState(experimentId, roundNo - 1);
        ServerOptimizer.Step step = strategy.optimizer().step(result.tensors(), previousState);
        NamedTensors next = previous.plusPart(step.change());
        Map<String, Object> diagnostics = new LinkedHashMap<>();
        diagnostics.put("strategy", strategy.name());
        diagnostics.put("serverStepNorm", step.changeNorm());
        diagnostics.put("secureAggregation", Map.of("survivors", survivors,
                "droppedAfterSharing", ints(result.metadata().get("droppedAfterSharing"))));
        ExperimentSpec.Privacy privacy = spec.codec().privacy();
        if (privacy != null) {
            diagnostics.put("distributedDp", distributedDp(experimentId, roundNo, spec, privacy, survivors.size()));
        }
        long wire = store.clientBytes(experimentId, roundNo);
        long raw = 4L * result.tensors().numel() * survivors.size();
        long aggregationNanos = System.nanoTime() - start;
        return Boolean.TRUE.equals(tx.execute(s -> {
            Round round = rounds.lock(experimentId, roundNo).orElseThrow();
            String skip = AggregationPlan.whyNotApply(round.getStatus(),
                    experiments.findById(experimentId).orElseThrow().getStatus());
            if (skip != null) {
                log.info("experiment {} round {}: aggregation not applied: {}", experimentId, roundNo, skip);
                return false;
            }
            adapters.save(experimentId, roundNo, next, step.state(), json.writeValueAsString(diagnostics));
            List<Map<String, Object>> clients = new ArrayList<>();
            for (int c : survivors) {
                clients.add(Map.of("client", c, "secure", true));
            }
            round.aggregated(survivors.size(), wire, raw, null, json.writeValueAsString(clients), Instant.now());
            round.phaseTimes(aggregationNanos / 1_000_000, null);
            int evaluator = survivors.isEmpty() ? 0 : survivors.get(0);
            tasks.save(new Task(experimentId, roundNo, evaluator, TaskType.EVALUATE,
                    assignments.workerOf(experimentId, evaluator), roundNo, Instant.now()));
            log.info("experiment {} round {}: the securely aggregated mean of {} clients applied as adapter version {}",
                    experimentId, roundNo, survivors.size(), roundNo);
            return true;
        }));
    }

    /**
     * Distributed DP's account after this round: the noise multiplier the round's sum carried (the target's, less
     * the shares of the clients that dropped out) and the central epsilon of every round so far, composed by RDP
     * (each earlier round's multiplier read from its adapter version's diagnostics).
     */
    private Map<String, Object> distributedDp(UUID experimentId, int roundNo, ExperimentSpec spec,
                                              ExperimentSpec.Privacy privacy, int survivors) {
        double target = io.cgfed.core.codec.rotq.SecureCode.sigma(spec);
        double effective = io.cgfed.core.secagg.DistributedNoise.effectiveSigma(target, survivors, spec.clientsPerRound());
        List<Double> sigmas = new ArrayList<>();
        adapters.diagnosticsByVersion(experimentId).forEach((version, text) -> {
            if (version > 0 && version < roundNo) {
                Object dp = json.readValue(text, Map.class).get("distributedDp");
                if (dp instanceof Map<?, ?> m && m.get("sigmaEffective") instanceof Number n) {
                    sigmas.add(n.doubleValue());
                }
            }
        });
        sigmas.add(effective);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sigmaTarget", target);
        out.put("sigmaEffective", effective);
        out.put("delta", privacy.delta());
        out.put("centralEpsilon", io.cgfed.core.privacy.RdpAccountant.epsilon(
                sigmas.stream().mapToDouble(Double::doubleValue).toArray(), privacy.delta()));
        return out;
    }

    /** "[1, 2, 3]" as the list it prints. */
    static List<Integer> ints(String text) {
        List<Integer> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        for (String part : text.replace("[", "").replace("]", "").split(",")) {
            if (!part.isBlank()) {
                out.add(Integer.parseInt(part.strip()));
            }
        }
        return out;
    }
}
