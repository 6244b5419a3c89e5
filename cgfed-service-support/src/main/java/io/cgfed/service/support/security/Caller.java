package io.cgfed.service.support.security;

/** Who may call an endpoint (see {@link Requires}). */
public enum Caller {
    /** Anyone, without credentials. */
    ANYONE,
    /** Anyone where reads are open ({@code cgfed.security.open-reads}); otherwise any valid API key or worker credential. */
    READER,
    /**
     * Model weights (global adapters, codec weights): anyone only where {@code cgfed.security.open-weight-reads}
     * is true (default false, even where other reads are open); otherwise any valid API key or worker credential.
     */
    WEIGHTS,
    /** An API key with role USER or ADMIN. */
    USER,
    /** An API key with role ADMIN. */
    ADMIN,
    /** A registered worker: {@code Cgfed-Worker-Id} and {@code Authorization: Bearer <its credential>}. */
    WORKER,
    /** A worker joining: {@code Authorization: Bearer <join token>}. */
    JOINING_WORKER
}
