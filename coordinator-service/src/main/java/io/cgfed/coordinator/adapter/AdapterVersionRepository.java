package io.cgfed.coordinator.adapter;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface AdapterVersionRepository extends JpaRepository<AdapterVersion, AdapterVersionKey> {
    List<AdapterVersion> findByExperimentIdOrderByVersion(UUID experimentId);
}
