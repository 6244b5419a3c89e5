package io.cgfed.coordinator.round;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import jakarta.persistence.LockModeType;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

public interface RoundRepository extends JpaRepository<Round, RoundKey> {
    List<Round> findByExperimentIdOrderByRound(UUID experimentId);

    Optional<Round> findByExperimentIdAndRound(UUID experimentId, int round);

    /** The round row locked for this transaction: uploads and round closing serialise on it. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select r from Round r where r.experimentId = :experimentId and r.round = :round")
    Optional<Round> lock(UUID experimentId, int round);

    /**
     * The round row share-locked for this transaction ({@code FOR SHARE}): an upload that records itself
     * under it cannot interleave with a round change made under {@link #lock}, but uploads do not wait
     * for each other. Under {@link #lock} 500 uploads of one round committed one at a time, each holding
     * a pooled connection while it waited, and the pool starved.
     */
    @Lock(LockModeType.PESSIMISTIC_READ)
    @Query("select r from Round r where r.experimentId = :experimentId and r.round = :round")
    Optional<Round> lockShared(UUID experimentId, int round);
}
