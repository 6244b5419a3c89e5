package io.cgfed.coordinator.attachment;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface AttachmentRepository extends JpaRepository<Attachment, AttachmentKey> {
    List<Attachment> findByExperimentIdAndRoundAndKindOrderByClientIndex(UUID experimentId, int round, AttachmentKind kind);

    long countByExperimentIdAndRoundAndKind(UUID experimentId, int round, AttachmentKind kind);
}
