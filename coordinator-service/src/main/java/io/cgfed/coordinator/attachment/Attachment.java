package io.cgfed.coordinator.attachment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "task_attachments")
@IdClass(AttachmentKey.class)
public class Attachment extends io.cgfed.coordinator.upload.InsertOnlyRow<AttachmentKey> {

    @Id
    @Column(name = "experiment_id")
    private UUID experimentId;
    @Id
    private int round;
    @Id
    @Column(name = "client_index")
    private int clientIndex;
    @Id
    @Enumerated(EnumType.STRING)
    private AttachmentKind kind;
    @Column(name = "task_id")
    private UUID taskId;
    @Column(name = "blob_key")
    private String blobKey;
    private String sha256;
    private long bytes;
    private int items;
    @Column(name = "received_at")
    private Instant receivedAt;

    protected Attachment() {
    }

    public Attachment(UUID experimentId, int round, int clientIndex, AttachmentKind kind, UUID taskId, String blobKey,
                      String sha256, long bytes, int items, Instant receivedAt) {
        this.experimentId = experimentId;
        this.round = round;
        this.clientIndex = clientIndex;
        this.kind = kind;
        this.taskId = taskId;
        this.blobKey = blobKey;
        this.sha256 = sha256;
        this.bytes = bytes;
        this.items = items;
        this.receivedAt = receivedAt;
    }

    public Instant getReceivedAt() {
        return receivedAt;
    }

    public java.util.UUID getTaskId() {
        return taskId;
    }

    public int getClientIndex() {
        return clientIndex;
    }

    public AttachmentKind getKind() {
        return kind;
    }

    public String getBlobKey() {
        return blobKey;
    }

    public String getSha256() {
        return sha256;
    }

    public long getBytes() {
        return bytes;
    }

    public int getItems() {
        return items;
    }

    @Override
    public AttachmentKey getId() {
        return new AttachmentKey(experimentId, round, clientIndex, kind);
    }
}
