package io.cgfed.coordinator.upload;

import java.io.Serializable;
import java.util.UUID;

/** One upload per (experiment, round, client). */
public record UploadKey(UUID experimentId, int round, int clientIndex) implements Serializable {
    public UploadKey() {
        this(null, 0, 0);
    }
}
