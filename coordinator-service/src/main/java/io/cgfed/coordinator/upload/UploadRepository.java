package io.cgfed.coordinator.upload;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface UploadRepository extends JpaRepository<Upload, UploadKey> {
    List<Upload> findByExperimentIdAndRoundOrderByClientIndex(UUID experimentId, int round);

    long countByExperimentIdAndRound(UUID experimentId, int round);

    /** Records why an accepted update was left out of its round's aggregate (the one update an upload row gets). */
    @org.springframework.data.jpa.repository.Modifying
    @org.springframework.data.jpa.repository.Query(value = "UPDATE uploads SET quarantine_reason = :reason "
            + "WHERE experiment_id = :experimentId AND round = :round AND client_index = :client", nativeQuery = true)
    int quarantine(UUID experimentId, int round, int client, String reason);
}
