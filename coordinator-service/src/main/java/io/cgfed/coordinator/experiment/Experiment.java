package io.cgfed.coordinator.experiment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "experiments")
public class Experiment {
    @Id
    private UUID id;
    private String name;
    /** The validated spec as JSON. */
    private String spec;
    @Enumerated(EnumType.STRING)
    private ExperimentStatus status;
    @Column(name = "current_round")
    private int currentRound;
    @Column(name = "failure_reason")
    private String failureReason;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "started_at")
    private Instant startedAt;
    @Column(name = "finished_at")
    private Instant finishedAt;
    @Version
    private long version;
    @Column(name = "codec_version")
    private int codecVersion;

    protected Experiment() {
    }

    public Experiment(UUID id, String name, String spec, Instant now) {
        this.id = id;
        this.name = name;
        this.spec = spec;
        this.status = ExperimentStatus.PENDING;
        this.createdAt = now;
    }

    public void start(Instant now) {
        status = ExperimentStatus.RUNNING;
        startedAt = now;
    }

    public void finish(ExperimentStatus finalStatus, String reason, Instant now) {
        status = finalStatus;
        failureReason = reason;
        finishedAt = now;
    }

    /** The codec version new TRAIN tasks name. */
    public void useCodecVersion(int v) {
        codecVersion = v;
    }

    public int getCodecVersion() {
        return codecVersion;
    }

    public void advanceTo(int round) {
        currentRound = round;
    }

    public UUID getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public String getSpec() {
        return spec;
    }

    public ExperimentStatus getStatus() {
        return status;
    }

    public int getCurrentRound() {
        return currentRound;
    }

    public String getFailureReason() {
        return failureReason;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getStartedAt() {
        return startedAt;
    }

    public Instant getFinishedAt() {
        return finishedAt;
    }
}
