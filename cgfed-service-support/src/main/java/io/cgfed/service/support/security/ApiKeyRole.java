package io.cgfed.service.support.security;

/** What an API key may do. */
public enum ApiKeyRole {
    /** Everything, including creating and revoking keys and revoking workers. */
    ADMIN,
    /** Reads and changes: submits and cancels experiments (at the registry: records them). */
    USER,
    /** Reads only, also where reads are closed (the registry reading adapters from the coordinator). */
    READER;

    public boolean mayChange() {
        return this == ADMIN || this == USER;
    }
}
