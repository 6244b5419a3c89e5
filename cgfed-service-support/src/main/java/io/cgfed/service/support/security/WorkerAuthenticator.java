package io.cgfed.service.support.security;

import java.util.UUID;

/** Checks a worker's credential; provided by the service that registers workers (the coordinator). */
public interface WorkerAuthenticator {
    enum Result { VALID, UNKNOWN, REVOKED }

    /** Whether this is the credential the worker was given at registration, and the worker still belongs. */
    Result authenticate(UUID workerId, String credential);
}
