package io.cgfed.coordinator.round;

import java.io.Serializable;
import java.util.UUID;

/** Primary key of a round: (experiment, round number). */
public record RoundKey(UUID experimentId, int round) implements Serializable {
    public RoundKey() {
        this(null, 0);
    }
}
