package io.cgfed.core.protocol;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.UUID;

/** How a worker introduces itself, and what it gets back. */
public final class WorkerRegistration {
    private WorkerRegistration() {
    }

    public record Request(@NotBlank @Size(max = 200) String name, @Size(max = 100) String device) {
    }

    public record Response(UUID workerId, int pollSeconds) {
    }
}
