package io.cgfed.core.protocol;

import java.util.UUID;

/**
 * What the coordinator answers a worker's upload, and what a worker reports for a task that failed: the records
 * both sides serialise (issue 17's typed contracts). An answer's {@code status} is ACCEPTED (202) the first time
 * and DUPLICATE (200) for the same bytes sent again.
 */
public final class Receipts {
    private Receipts() {
    }

    public static final String ACCEPTED = "ACCEPTED";
    public static final String DUPLICATE = "DUPLICATE";

    /** The answer to {@code PUT /api/v1/tasks/{id}/update}: the round's accounting of the update. */
    public record Upload(String status, UUID experimentId, int round, int clientIndex, long wireBytes, long rawBytes) {
        public boolean duplicate() {
            return DUPLICATE.equals(status);
        }
    }

    /** The answer to a TGAP collection, FAF contribution or audit upload ({@code kind}). */
    public record Attachment(String status, String kind, UUID experimentId, int round, int clientIndex, long bytes,
                             int items) {
        public boolean duplicate() {
            return DUPLICATE.equals(status);
        }
    }

    /** {@code POST /api/v1/tasks/{id}/failure}: why the worker could not do the task. */
    public record Failure(String reason) {
    }
}
