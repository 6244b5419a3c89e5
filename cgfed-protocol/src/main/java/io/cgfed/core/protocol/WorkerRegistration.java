package io.cgfed.core.protocol;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.UUID;

/** How a worker introduces itself, and what it gets back. */
public final class WorkerRegistration {
    private WorkerRegistration() {
    }

    /**
     * @param memoryBudgetBytes what a task may use on this worker (its {@code cgfed.worker.memory-budget}); the
     *                          coordinator refuses a spec whose model does not fit the largest budget; null for
     *                          a worker that does not say
     */
    public record Request(@NotBlank @Size(max = 200) String name, @Size(max = 100) String device,
                          @jakarta.validation.constraints.Positive Long memoryBudgetBytes) {
        /** A worker that does not say its memory budget. */
        public Request(String name, String device) {
            this(name, device, null);
        }
    }

    /**
     * @param credential the worker's own secret: every later call sends {@code Cgfed-Worker-Id: workerId}
     *                   and {@code Authorization: Bearer credential}; the coordinator keeps only its SHA-256
     */
    public record Response(UUID workerId, int pollSeconds, String credential) {
        /** Says nothing of the credential. */
        @Override
        public String toString() {
            return "Response[workerId=" + workerId + ", pollSeconds=" + pollSeconds + "]";
        }
    }
}
