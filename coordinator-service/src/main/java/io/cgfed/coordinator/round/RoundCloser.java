package io.cgfed.coordinator.round;

import io.cgfed.coordinator.adapter.AdapterStore;
import io.cgfed.coordinator.blob.BlobStore;
import io.cgfed.coordinator.remote.CodecServiceClient;
import io.cgfed.coordinator.task.Task;
import io.cgfed.coordinator.task.TaskRepository;
import io.cgfed.coordinator.upload.Upload;
import io.cgfed.coordinator.upload.UploadRepository;
import io.cgfed.core.protocol.TaskMessage.TaskType;
import io.cgfed.core.tensor.NamedTensors;
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
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * Closes an AGGREGATING round: the codec-service decodes and averages its uploads (outside any
 * database transaction), then one transaction stores the new adapter version, the round's
 * metrics and the evaluation task. If the codec-service fails, the round stays AGGREGATING and the
 * next tick tries again: nothing is half-applied.
 */
@Component
public class RoundCloser {
    private static final Logger log = LoggerFactory.getLogger(RoundCloser.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private final UploadRepository uploads;
    private final RoundRepository rounds;
    private final TaskRepository tasks;
    private final AdapterStore adapters;
    private final BlobStore blobs;
    private final CodecServiceClient codecService;
    private final ClientAssignments assignments;
    private final TransactionTemplate tx;
    private final ObjectMapper json;

    RoundCloser(UploadRepository uploads, RoundRepository rounds, TaskRepository tasks, AdapterStore adapters,
                BlobStore blobs, CodecServiceClient codecService, ClientAssignments assignments, TransactionTemplate tx,
                ObjectMapper json) {
        this.uploads = uploads;
        this.rounds = rounds;
        this.tasks = tasks;
        this.adapters = adapters;
        this.blobs = blobs;
        this.codecService = codecService;
        this.assignments = assignments;
        this.tx = tx;
        this.json = json;
    }

    public void aggregate(UUID experimentId, int roundNo) {
        List<Upload> received = uploads.findByExperimentIdAndRoundOrderByClientIndex(experimentId, roundNo);
        List<byte[]> payloads = new ArrayList<>();
        for (Upload u : received) {
            payloads.add(blobs.get(u.getBlobKey()));
        }
        NamedTensors update = codecService.aggregate(payloads);
        NamedTensors previous = adapters.load(experimentId, roundNo - 1);
        NamedTensors next = previous.plus(update);
        tx.executeWithoutResult(s -> {
            Round round = rounds.lock(experimentId, roundNo).orElseThrow();
            if (round.getStatus() != RoundStatus.AGGREGATING) {
                return;
            }
            adapters.save(experimentId, roundNo, next);
            long samples = received.stream().mapToLong(Upload::getSamples).sum();
            double lossSum = 0;
            long lossWeight = 0;
            List<Map<String, Object>> clients = new ArrayList<>();
            for (Upload u : received) {
                if (u.getTrainLoss() != null) {
                    lossSum += u.getTrainLoss() * u.getSamples();
                    lossWeight += u.getSamples();
                }
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("client", u.getClientIndex());
                c.put("samples", u.getSamples());
                c.put("wireBytes", u.getWireBytes());
                c.put("rawBytes", u.getRawBytes());
                c.putAll(json.readValue(u.getMetrics(), MAP));
                clients.add(c);
            }
            round.aggregated(received.size(), received.stream().mapToLong(Upload::getWireBytes).sum(),
                    received.stream().mapToLong(Upload::getRawBytes).sum(), lossWeight == 0 ? null : lossSum / lossWeight,
                    json.writeValueAsString(clients), Instant.now());
            int evaluator = received.isEmpty() ? 0 : received.get(0).getClientIndex();
            tasks.save(new Task(experimentId, roundNo, evaluator, TaskType.EVALUATE,
                    assignments.workerOf(experimentId, evaluator), roundNo, Instant.now()));
            log.info("experiment {} round {}: aggregated {} updates ({} samples) into adapter version {}",
                    experimentId, roundNo, received.size(), samples, roundNo);
        });
    }
}
