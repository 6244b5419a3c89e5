package io.cgfed.coordinator.experiment;

/** PENDING until a worker can take it, RUNNING through its rounds, then one of the final states. */
public enum ExperimentStatus {
    PENDING, RUNNING, COMPLETED, FAILED, CANCELLED;

    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
