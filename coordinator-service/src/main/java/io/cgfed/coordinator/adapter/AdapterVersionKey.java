package io.cgfed.coordinator.adapter;

import java.io.Serializable;
import java.util.UUID;

public record AdapterVersionKey(UUID experimentId, int version) implements Serializable {
    public AdapterVersionKey() {
        this(null, 0);
    }
}
