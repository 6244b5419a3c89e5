package io.cgfed.coordinator.experiment;

import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

public interface ExperimentRepository extends JpaRepository<Experiment, UUID> {
    List<Experiment> findByStatusInOrderByCreatedAt(List<ExperimentStatus> statuses);

    List<Experiment> findAllByOrderByCreatedAtDesc();

    /**
     * The experiment row locked for this transaction. Steps that create rows for the next state
     * (starting the experiment, opening a round) take it first, so that coordinator replicas ticking
     * the same experiment queue behind each other and the later one finds the step already taken.
     */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select e from Experiment e where e.id = :id")
    Optional<Experiment> lock(UUID id);
}
