package io.cgfed.coordinator.upload;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface UploadRepository extends JpaRepository<Upload, UploadKey> {
    List<Upload> findByExperimentIdAndRoundOrderByClientIndex(UUID experimentId, int round);

    long countByExperimentIdAndRound(UUID experimentId, int round);
}
