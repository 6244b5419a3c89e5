package io.cgfed.service.support.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;

/**
 * Who made a request, as {@link AccessInterceptor} established it; a request attribute for the
 * handlers that need it.
 *
 * @param id   the API key's or the worker's id; null for anonymous and joining callers
 * @param name the API key's name, for audit lines (never the key)
 * @param role the API key's role; null for others
 */
public record Principal(Kind kind, UUID id, String name, ApiKeyRole role) {
    public static final String ATTRIBUTE = Principal.class.getName();
    static final Principal ANONYMOUS = new Principal(Kind.ANONYMOUS, null, "anonymous", null);
    static final Principal JOINING = new Principal(Kind.JOINING_WORKER, null, "joining worker", null);

    public enum Kind { ANONYMOUS, API_KEY, WORKER, JOINING_WORKER }

    public static Principal of(HttpServletRequest request) {
        Object p = request.getAttribute(ATTRIBUTE);
        return p instanceof Principal principal ? principal : ANONYMOUS;
    }
}
