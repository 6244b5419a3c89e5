package io.cgfed.coordinator.task;

import io.cgfed.core.protocol.TaskMessage.TaskType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "tasks")
public class Task {
    @Id
    private UUID id;
    @Column(name = "experiment_id")
    private UUID experimentId;
    private int round;
    @Column(name = "client_index")
    private int clientIndex;
    @Enumerated(EnumType.STRING)
    private TaskType type;
    @Enumerated(EnumType.STRING)
    private TaskStatus status;
    @Column(name = "worker_id")
    private UUID workerId;
    @Column(name = "adapter_version")
    private int adapterVersion;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "assigned_at")
    private Instant assignedAt;
    @Column(name = "completed_at")
    private Instant completedAt;
    @Column(name = "failure_reason")
    private String failureReason;
    @Column(name = "codec_version")
    private int codecVersion;
    private boolean contribute;
    /** An upload for this task came after its round had closed or after the task was cancelled (refused). */
    @Column(name = "late_upload_at")
    private java.time.Instant lateUploadAt;

    protected Task() {
    }

    public Task(UUID experimentId, int round, int clientIndex, TaskType type, UUID workerId, int adapterVersion,
                Instant now) {
        this.id = UUID.randomUUID();
        this.experimentId = experimentId;
        this.round = round;
        this.clientIndex = clientIndex;
        this.type = type;
        this.status = TaskStatus.PENDING;
        this.workerId = workerId;
        this.adapterVersion = adapterVersion;
        this.createdAt = now;
    }

    /** A TRAIN task that encodes with codec version {@code codecVersion}, sending an FAF contribution first if asked. */
    public Task(UUID experimentId, int round, int clientIndex, TaskType type, UUID workerId, int adapterVersion,
                int codecVersion, boolean contribute, Instant now) {
        this(experimentId, round, clientIndex, type, workerId, adapterVersion, now);
        this.codecVersion = codecVersion;
        this.contribute = contribute;
    }

    public int getCodecVersion() {
        return codecVersion;
    }

    public boolean isContribute() {
        return contribute;
    }

    public void assign(Instant now) {
        status = TaskStatus.ASSIGNED;
        assignedAt = now;
    }

    public void complete(Instant now) {
        status = TaskStatus.DONE;
        completedAt = now;
    }

    public void fail(String reason, Instant now) {
        status = TaskStatus.FAILED;
        failureReason = reason;
        completedAt = now;
    }

    public void cancel(Instant now) {
        status = TaskStatus.CANCELLED;
        completedAt = now;
    }

    /** Cancelled with the reason, e.g. handed to another worker. */
    public void cancel(String reason, Instant now) {
        cancel(now);
        failureReason = reason;
    }

    /** PENDING or ASSIGNED: not yet settled. */
    public boolean isOpen() {
        return status == TaskStatus.PENDING || status == TaskStatus.ASSIGNED;
    }

    /** The same work (experiment, round, client, type, adapter and codec version) for another worker, PENDING. */
    public Task reissueTo(UUID worker, Instant now) {
        return new Task(experimentId, round, clientIndex, type, worker, adapterVersion, codecVersion, contribute, now);
    }

    public Instant getLateUploadAt() {
        return lateUploadAt;
    }

    public Instant getCompletedAt() {
        return completedAt;
    }

    public Instant getAssignedAt() {
        return assignedAt;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public UUID getId() {
        return id;
    }

    public UUID getExperimentId() {
        return experimentId;
    }

    public int getRound() {
        return round;
    }

    public int getClientIndex() {
        return clientIndex;
    }

    public TaskType getType() {
        return type;
    }

    public TaskStatus getStatus() {
        return status;
    }

    public UUID getWorkerId() {
        return workerId;
    }

    public int getAdapterVersion() {
        return adapterVersion;
    }

    public String getFailureReason() {
        return failureReason;
    }
}
