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

    protected Worker() {
    }

    public Worker(UUID id, String name, String device, Instant now) {
        this.id = id;
        this.name = name;
        this.device = device;
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
}
