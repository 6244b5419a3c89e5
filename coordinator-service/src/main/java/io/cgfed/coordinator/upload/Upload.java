package io.cgfed.coordinator.upload;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "uploads")
@IdClass(UploadKey.class)
public class Upload extends InsertOnlyRow<UploadKey> {

    @Id
    @Column(name = "experiment_id")
    private UUID experimentId;
    @Id
    private int round;
    @Id
    @Column(name = "client_index")
    private int clientIndex;
    @Column(name = "task_id")
    private UUID taskId;
    @Column(name = "worker_id")
    private UUID workerId;
    @Column(name = "blob_key")
    private String blobKey;
    private String sha256;
    @Column(name = "wire_bytes")
    private long wireBytes;
    @Column(name = "raw_bytes")
    private long rawBytes;
    private long samples;
    @Column(name = "train_loss")
    private Double trainLoss;
    private String metrics;
    @Column(name = "received_at")
    private Instant receivedAt;
    @Column(name = "update_norm")
    private Double updateNorm;
    @Column(name = "quarantine_reason")
    private String quarantineReason;

    protected Upload() {
    }

    public Upload(UUID experimentId, int round, int clientIndex, UUID taskId, UUID workerId, String blobKey,
                  String sha256, long wireBytes, long rawBytes, long samples, Double trainLoss, String metrics,
                  Instant receivedAt, Double updateNorm) {
        this.updateNorm = updateNorm;
        this.experimentId = experimentId;
        this.round = round;
        this.clientIndex = clientIndex;
        this.taskId = taskId;
        this.workerId = workerId;
        this.blobKey = blobKey;
        this.sha256 = sha256;
        this.wireBytes = wireBytes;
        this.rawBytes = rawBytes;
        this.samples = samples;
        this.trainLoss = trainLoss;
        this.metrics = metrics;
        this.receivedAt = receivedAt;
    }

    /** The decoded update's L2 norm, measured when it was accepted (null for rows from before it was kept). */
    public Double getUpdateNorm() {
        return updateNorm;
    }

    /** Why the update was left out of its round's aggregate, or null when it was aggregated. */
    public String getQuarantineReason() {
        return quarantineReason;
    }

    public void quarantine(String reason) {
        this.quarantineReason = reason;
    }

    public Instant getReceivedAt() {
        return receivedAt;
    }

    public UUID getTaskId() {
        return taskId;
    }

    public UUID getWorkerId() {
        return workerId;
    }

    public int getClientIndex() {
        return clientIndex;
    }

    public String getBlobKey() {
        return blobKey;
    }

    public String getSha256() {
        return sha256;
    }

    public long getWireBytes() {
        return wireBytes;
    }

    public long getRawBytes() {
        return rawBytes;
    }

    public long getSamples() {
        return samples;
    }

    public Double getTrainLoss() {
        return trainLoss;
    }

    public String getMetrics() {
        return metrics;
    }

    @Override
    public UploadKey getId() {
        return new UploadKey(experimentId, round, clientIndex);
    }
}
