package io.cgfed.coordinator.adapter;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A global LoRA adapter version: 0 is the initial adapter, r the result of round r. */
@Entity
@Table(name = "adapter_versions")
@IdClass(AdapterVersionKey.class)
public class AdapterVersion {
    @Id
    @Column(name = "experiment_id")
    private UUID experimentId;
    @Id
    private int version;
    @Column(name = "blob_key")
    private String blobKey;
    private String sha256;
    private long bytes;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "server_state_blob_key")
    private String serverStateBlobKey;
    @Column(name = "aggregation_diagnostics")
    private String aggregationDiagnostics;

    protected AdapterVersion() {
    }

    public AdapterVersion(UUID experimentId, int version, String blobKey, String sha256, long bytes, Instant createdAt) {
        this.experimentId = experimentId;
        this.version = version;
        this.blobKey = blobKey;
        this.sha256 = sha256;
        this.bytes = bytes;
        this.createdAt = createdAt;
    }

    public UUID getExperimentId() {
        return experimentId;
    }

    public int getVersion() {
        return version;
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

    public Instant getCreatedAt() {
        return createdAt;
    }

    /** The blob of the strategy's server optimiser state after this version's round, or null when it keeps none. */
    public String getServerStateBlobKey() {
        return serverStateBlobKey;
    }

    /** What the strategy did for this version (JSON object), or null for version 0 and rows from before strategies. */
    public String getAggregationDiagnostics() {
        return aggregationDiagnostics;
    }

    public void strategy(String serverStateBlobKey, String aggregationDiagnostics) {
        this.serverStateBlobKey = serverStateBlobKey;
        this.aggregationDiagnostics = aggregationDiagnostics;
    }
}
