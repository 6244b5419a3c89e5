package io.cgfed.coordinator.experiment;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface ExperimentRepository extends JpaRepository<Experiment, UUID> {
    List<Experiment> findByStatusInOrderByCreatedAt(List<ExperimentStatus> statuses);

    List<Experiment> findAllByOrderByCreatedAtDesc();
}
