package io.cgfed.coordinator.upload;

import io.cgfed.coordinator.blob.BlobStore;
import io.cgfed.coordinator.round.Round;
import io.cgfed.coordinator.round.RoundRepository;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The one way bytes a worker sends for a round (an update, a TGAP collection, an FAF contribution, an
 * audit copy) become a counted row, so that a 2xx means "counted, exactly once":
 * <ol>
 *   <li>something already counted under the row's key answers at once: the same bytes are a
 *       duplicate, other bytes a 409 ({@link Row#counted()});</li>
 *   <li>the blob is written durably first (outside any transaction);</li>
 *   <li>one transaction, holding the round's row {@code FOR SHARE}, checks again and inserts the row
 *       ({@link Row#insert}); uploads of one round do not wait for each other, and a round change
 *       (closing it, under {@code FOR UPDATE}) waits for them, or they for it;</li>
 *   <li>two copies sent at once may both pass the checks: rows are persisted, never merged, so the
 *       second insert fails on the primary key, and the second copy is answered as the duplicate of
 *       the first;</li>
 *   <li>a refusal removes the blob unless the counted row refers to it (the same bytes).</li>
 * </ol>
 */
@Component
public class RoundIntake {
    private final BlobStore blobs;
    private final RoundRepository rounds;
    private final TransactionTemplate tx;

    RoundIntake(BlobStore blobs, RoundRepository rounds, TransactionTemplate tx) {
        this.blobs = blobs;
        this.rounds = rounds;
        this.tx = tx;
    }

    /** What is taken in: its row, as the caller keeps it. */
    public interface Row<R> {
        /** The receipt of what is already counted under this row's key, or empty; throws when it holds other bytes. */
        Optional<R> counted();

        /** Under the round's share lock, with nothing counted: check the round and the task, persist the row. */
        R insert(Round round);

        /** Whether the counted row (if any) refers to this blob. */
        boolean references(String blobKey);
    }

    public <R> R accept(UUID experimentId, int round, String blobKey, byte[] body, Row<R> row) {
        Optional<R> earlier = row.counted();
        if (earlier.isPresent()) {
            return earlier.get();
        }
        blobs.put(blobKey, body);
        try {
            return tx.execute(s -> {
                Round locked = rounds.lockShared(experimentId, round)
                        .orElseThrow(() -> UploadRefused.conflict("late", "round " + round + " does not exist"));
                Optional<R> counted = row.counted();
                return counted.isPresent() ? counted.get() : row.insert(locked);
            });
        } catch (DataIntegrityViolationException raced) {
            // a copy sent at the same time was counted first
            return row.counted().orElseThrow(() -> raced);
        } catch (RuntimeException refused) {
            if (!row.references(blobKey)) {
                blobs.delete(blobKey);
            }
            throw refused;
        }
    }
}
