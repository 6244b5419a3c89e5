package io.cgfed.coordinator.worker;

import io.cgfed.service.support.security.Secrets;
import io.cgfed.service.support.security.WorkerAuthenticator;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Each worker's own credential: 256 random bits given once at registration, kept as their SHA-256.
 * Checked against the database on every request, so a revocation holds from the next request on,
 * on every coordinator replica.
 */
@Component
public class WorkerCredentials implements WorkerAuthenticator {
    static final String PREFIX = "cgfw_";
    private final WorkerRepository workers;

    WorkerCredentials(WorkerRepository workers) {
        this.workers = workers;
    }

    /** A fresh credential; the caller stores its SHA-256 and hands it to the worker once. */
    static String issue() {
        return Secrets.generate(PREFIX);
    }

    @Override
    public Result authenticate(UUID workerId, String credential) {
        Worker w = workers.findById(workerId).orElse(null);
        if (w == null || !Secrets.matches(credential, w.getCredentialSha256())) {
            return Result.UNKNOWN;
        }
        return w.isRevoked() ? Result.REVOKED : Result.VALID;
    }

    /** Whether the worker was revoked since the request began (a long poll outlives a revocation). */
    boolean revoked(UUID workerId) {
        return workers.findById(workerId).map(Worker::isRevoked).orElse(true);
    }
}
