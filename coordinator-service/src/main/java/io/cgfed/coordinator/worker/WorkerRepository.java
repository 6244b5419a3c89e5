package io.cgfed.coordinator.worker;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

public interface WorkerRepository extends JpaRepository<Worker, UUID> {
    /** Live workers: seen since then and not revoked. */
    @Query("select w from Worker w where w.lastSeenAt > :since and w.revokedAt is null order by w.registeredAt")
    List<Worker> findByLastSeenAtAfterOrderByRegisteredAt(Instant since);

    List<Worker> findAllByOrderByRegisteredAt();

    /** The largest memory budget any worker that is not revoked reported; null when none reported one. */
    @Query("select max(w.memoryBudgetBytes) from Worker w where w.revokedAt is null")
    Long largestMemoryBudget();

    @Transactional
    @Modifying
    @Query("update Worker w set w.lastSeenAt = :now where w.id = :id")
    int touch(UUID id, Instant now);

    /** From now on every request with this worker's credential is refused; the worker gets no new clients. */
    @Transactional
    @Modifying
    @Query("update Worker w set w.revokedAt = :now where w.id = :id and w.revokedAt is null")
    int revoke(UUID id, Instant now);
}
