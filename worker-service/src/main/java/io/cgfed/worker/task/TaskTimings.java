package io.cgfed.worker.task;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Where the last training task's time went, for {@code GET /api/v1/status} (and the model benchmark
 * that reads it): getting the model (its load, the first time), getting the global adapter, local
 * training (with its tokens: training tokens per second), the rest of the task on the worker (the
 * update, encoding, measurements) and the upload.
 */
@Component
public class TaskTimings {
    /** One TRAIN task, in seconds. */
    public record Train(String experimentId, int round, double modelSeconds, double adapterSeconds, double trainSeconds,
                        long trainTokens, int steps, double encodeSeconds, String baseStorage, boolean checkpointing) {
    }

    private Train last;
    private double lastUploadSeconds = Double.NaN;

    synchronized void trained(Train t) {
        last = t;
        lastUploadSeconds = Double.NaN;
    }

    synchronized void uploaded(double seconds) {
        lastUploadSeconds = seconds;
    }

    /** The last training task as a map (null before the first). */
    public synchronized Map<String, Object> lastTrainTask() {
        if (last == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("experimentId", last.experimentId());
        m.put("round", last.round());
        m.put("modelSeconds", last.modelSeconds());
        m.put("adapterSeconds", last.adapterSeconds());
        m.put("trainSeconds", last.trainSeconds());
        m.put("trainTokens", last.trainTokens());
        m.put("steps", last.steps());
        m.put("trainTokensPerSecond", last.trainSeconds() > 0 ? last.trainTokens() / last.trainSeconds() : null);
        m.put("encodeSeconds", last.encodeSeconds());
        m.put("uploadSeconds", Double.isNaN(lastUploadSeconds) ? null : lastUploadSeconds);
        m.put("baseStorage", last.baseStorage());
        m.put("activationCheckpointing", last.checkpointing());
        return m;
    }
}
