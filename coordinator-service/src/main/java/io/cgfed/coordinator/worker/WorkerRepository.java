package io.cgfed.coordinator.worker;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

public interface WorkerRepository extends JpaRepository<Worker, UUID> {
    List<Worker> findByLastSeenAtAfterOrderByRegisteredAt(Instant since);

    @Transactional
    @Modifying
    @Query("update Worker w set w.lastSeenAt = :now where w.id = :id")
    int touch(UUID id, Instant now);
}
