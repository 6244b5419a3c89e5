package io.cgfed.codec.versions;

import io.cgfed.codec.CodecServiceProperties;
import io.cgfed.core.codec.cgae.CgaeSettings;
import io.cgfed.core.codec.cgae.CgaeTraining;
import io.cgfed.core.codec.cgae.TrainingProgress;
import io.cgfed.service.support.LogContext;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * TGAP training of a stored codec version, in the background ({@code training-threads} at once): its
 * stored snapshots in; progress (the loss curve, {@code progress.history}) recorded epoch by epoch; the
 * model and its held-out quality stored READY, or the reason it FAILED. A version that was TRAINING when
 * the service stopped is trained again on start, from its stored snapshots.
 */
@Component
class TgapTraining {
    private static final Logger log = LoggerFactory.getLogger(TgapTraining.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private final CodecVersionStore store;
    private final CodecServiceProperties properties;
    private final ObjectMapper json;
    private final CodecModels models;
    private final ExecutorService trainers;

    TgapTraining(CodecVersionStore store, CodecServiceProperties properties, ObjectMapper json, CodecModels models) {
        this.store = store;
        this.properties = properties;
        this.json = json;
        this.models = models;
        this.trainers = Executors.newFixedThreadPool(properties.trainingThreads(), r -> {
            Thread t = new Thread(r, "codec-training");
            t.setDaemon(true);
            return t;
        });
    }

    @PreDestroy
    void stop() {
        trainers.shutdownNow();
    }

    @EventListener(ApplicationReadyEvent.class)
    void resume() {
        for (CodecVersionStore.Row r : store.training()) {
            log.info("codec {} v{}: resuming TGAP training after a restart", r.experimentId(), r.version());
            submit(r.experimentId(), r.version());
        }
    }

    /** Trains a version stored TRAINING, with its snapshots, on a training thread. */
    void submit(UUID experimentId, int version) {
        trainers.submit(() -> train(experimentId, version));
    }

    void train(UUID experimentId, int version) {
        // the training thread's log lines name the experiment (and, in structured logs, the codec version)
        try (LogContext context = LogContext.of(experimentId, null).put("codecVersion", version)) {
            trainNow(experimentId, version);
        }
    }

    private void trainNow(UUID experimentId, int version) {
        try {
            CodecVersionStore.Row row = store.find(experimentId, version).orElseThrow();
            byte[] data = store.trainingData(experimentId, version);
            if (data == null) {
                store.failed(experimentId, version, "its snapshots are gone");
                return;
            }
            CgaeSettings settings = CgaeSettings.of(json.readValue(row.settings(), MAP));
            List<CgaeTraining.Sample> samples = TgapSnapshots.parse(experimentId, data, properties.maxPayloadsPerRound());
            long started = System.nanoTime();
            // the loss curve: one entry per epoch, kept with the version (progress.history)
            List<Map<String, Object>> history = new ArrayList<>();
            CgaeTraining.Result result = CgaeTraining.train(settings, samples, new TrainingProgress() {
                @Override
                public void epoch(int epoch, int epochs, double loss) {
                    epoch(epoch, epochs, loss, Double.NaN);
                }

                @Override
                public void epoch(int epoch, int epochs, double loss, double heldOutLoss) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("epoch", epoch);
                    e.put("trainLoss", Double.isFinite(loss) ? loss : null);
                    e.put("heldOutLoss", Double.isFinite(heldOutLoss) ? heldOutLoss : null);
                    history.add(e);
                    Map<String, Object> p = new LinkedHashMap<>();
                    p.put("epoch", epoch);
                    p.put("epochs", epochs);
                    p.put("trainLoss", e.get("trainLoss"));
                    p.put("heldOutLoss", e.get("heldOutLoss"));
                    p.put("history", history);
                    store.progress(experimentId, version, json.writeValueAsString(p));
                }
            });
            byte[] weights = result.model().toBytes();
            Map<String, Object> quality = new LinkedHashMap<>(result.qualityMap());
            quality.put("trainingSeconds", (System.nanoTime() - started) / 1e9);
            quality.put("latentDim", settings.latentDim());
            quality.put("positions", result.model().positions());
            store.ready(experimentId, version, weights, CodecVersionService.sha256(weights), json.writeValueAsString(quality));
            models.put(experimentId, version, result.model());
            log.info("codec {} v{}: READY, held-out cosine {}", experimentId, version,
                    result.heldOut() == null ? "n/a" : String.format(Locale.ROOT, "%.3f", result.heldOut().cosine()));
        } catch (RuntimeException | Error e) {
            log.warn("codec {} v{}: training failed: {}", experimentId, version, e.toString());
            store.failed(experimentId, version, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
