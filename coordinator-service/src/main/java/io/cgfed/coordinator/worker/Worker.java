package io.cgfed.coordinator.worker;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "workers")
public class Worker {
    @Id
    private UUID id;
    private String name;
    private String device;
    @Column(name = "registered_at")
    private Instant registeredAt;
    @Column(name = "last_seen_at")
    private Instant lastSeenAt;
    @Column(name = "credential_sha256")
    private String credentialSha256;
    @Column(name = "revoked_at")
    private Instant revokedAt;
    @Column(name = "memory_budget_bytes")
    private Long memoryBudgetBytes;

    protected Worker() {
    }

    /** @param credentialSha256 the SHA-256 of the credential the worker is given (never the credential) */
    public Worker(UUID id, String name, String device, String credentialSha256, Instant now) {
        this.id = id;
        this.name = name;
        this.device = device;
        this.credentialSha256 = credentialSha256;
        this.registeredAt = now;
        this.lastSeenAt = now;
    }

    public UUID getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public String getDevice() {
        return device;
    }

    public Instant getLastSeenAt() {
        return lastSeenAt;
    }

    public Instant getRegisteredAt() {
        return registeredAt;
    }

    public String getCredentialSha256() {
        return credentialSha256;
    }

    /** What a task may use on this worker, as it said at registration; null if it did not say. */
    public Long getMemoryBudgetBytes() {
        return memoryBudgetBytes;
    }

    public void setMemoryBudgetBytes(Long bytes) {
        this.memoryBudgetBytes = bytes;
    }

    public Instant getRevokedAt() {
        return revokedAt;
    }

    public boolean isRevoked() {
        return revokedAt != null;
    }
}
