package io.cgfed.coordinator.attachment;

import java.io.Serializable;
import java.util.UUID;

/** One attachment of each kind per (experiment, round, client). */
public record AttachmentKey(UUID experimentId, int round, int clientIndex, AttachmentKind kind) implements Serializable {
    public AttachmentKey() {
        this(null, 0, 0, null);
    }
}
