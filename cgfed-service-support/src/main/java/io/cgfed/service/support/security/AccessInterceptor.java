package io.cgfed.service.support.security;

import io.cgfed.service.support.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Checks every API request's credentials against what its handler {@link Requires} before anything
 * else runs (no body is read before). A refusal is an {@link ApiException}: 401 when the credentials
 * are missing, unknown or revoked, 403 when they are valid but do not reach. Credentials that are sent
 * must be valid even where none are needed (open reads).
 */
public class AccessInterceptor implements HandlerInterceptor {
    public static final String WORKER_HEADER = "Cgfed-Worker-Id";
    private final ApiKeyStore keys;
    private final SecurityProperties properties;
    private final WorkerAuthenticator workers;

    /** @param workers null where the service registers no workers */
    public AccessInterceptor(ApiKeyStore keys, SecurityProperties properties, WorkerAuthenticator workers) {
        this.keys = keys;
        this.properties = properties;
        this.workers = workers;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (!(handler instanceof HandlerMethod method)) {
            return true; // no controller (a 404 or a static resource): nothing to protect
        }
        Caller required = required(method, request.getMethod());
        Principal who = switch (required) {
            case ANYONE -> Principal.ANONYMOUS;
            case JOINING_WORKER -> joining(request);
            case WORKER -> worker(request);
            case READER, WEIGHTS, USER, ADMIN -> user(request, required);
        };
        request.setAttribute(Principal.ATTRIBUTE, who);
        return true;
    }

    static Caller required(HandlerMethod method, String httpMethod) {
        Requires onMethod = method.getMethodAnnotation(Requires.class);
        if (onMethod != null) {
            return onMethod.value();
        }
        Requires onClass = method.getBeanType().getAnnotation(Requires.class);
        if (onClass != null) {
            return onClass.value();
        }
        return httpMethod.equals("GET") || httpMethod.equals("HEAD") ? Caller.READER : Caller.USER;
    }

    private Principal user(HttpServletRequest request, Caller required) {
        String bearer = bearer(request);
        Principal who;
        if (bearer == null) {
            if (required == Caller.READER && properties.openReads()
                    || required == Caller.WEIGHTS && properties.openWeightReads()) {
                return Principal.ANONYMOUS;
            }
            throw unauthorized(switch (required) {
                case READER -> "reads need credentials here: an API key (Authorization: Bearer <key>) or a worker's credential";
                case WEIGHTS -> "model weights need credentials (an API key: Authorization: Bearer <key>, or a worker's "
                        + "credential) unless cgfed.security.open-weight-reads is true";
                default -> "this request changes something and needs an API key: Authorization: Bearer <key>";
            });
        }
        if (request.getHeader(WORKER_HEADER) != null && workers != null) {
            who = authenticatedWorker(request, bearer);
        } else {
            ApiKeyStore.ApiKey key = keys.find(bearer)
                    .orElseThrow(() -> unauthorized("the API key is not valid"));
            if (key.revoked()) {
                throw unauthorized("the API key '" + key.name() + "' was revoked");
            }
            who = new Principal(Principal.Kind.API_KEY, key.id(), key.name(), key.role());
        }
        switch (required) {
            case USER -> {
                if (who.kind() != Principal.Kind.API_KEY || !who.role().mayChange()) {
                    throw forbidden(describe(who) + " may not change anything here: it needs an API key with role USER"
                            + " or ADMIN");
                }
            }
            case ADMIN -> {
                if (who.kind() != Principal.Kind.API_KEY || who.role() != ApiKeyRole.ADMIN) {
                    throw forbidden("this needs an API key with role ADMIN; " + describe(who) + " is not one");
                }
            }
            default -> {
                // any valid credential reads
            }
        }
        return who;
    }

    private Principal worker(HttpServletRequest request) {
        if (workers == null) {
            throw forbidden("this service has no workers");
        }
        String bearer = bearer(request);
        if (bearer == null || request.getHeader(WORKER_HEADER) == null) {
            throw unauthorized("worker calls need " + WORKER_HEADER
                    + " and Authorization: Bearer <the credential the worker got at registration>");
        }
        Principal who = authenticatedWorker(request, bearer);
        // a worker acts as itself only: /workers/{workerId}/... must be its own id
        @SuppressWarnings("unchecked")
        Map<String, String> vars = (Map<String, String>) request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        String pathWorker = vars == null ? null : vars.get("workerId");
        if (pathWorker != null && !pathWorker.equalsIgnoreCase(who.id().toString())) {
            throw forbidden("worker " + who.id() + " may not act as worker " + pathWorker);
        }
        return who;
    }

    private Principal authenticatedWorker(HttpServletRequest request, String credential) {
        UUID id;
        try {
            id = UUID.fromString(request.getHeader(WORKER_HEADER).strip());
        } catch (IllegalArgumentException e) {
            throw unauthorized(WORKER_HEADER + " is not a worker id");
        }
        return switch (workers.authenticate(id, credential)) {
            case VALID -> new Principal(Principal.Kind.WORKER, id, "worker " + id, null);
            case UNKNOWN -> throw unauthorized("unknown worker " + id + " or wrong credential; register again");
            case REVOKED -> throw forbidden("worker " + id + " was revoked");
        };
    }

    private Principal joining(HttpServletRequest request) {
        if (workers == null) {
            throw forbidden("this service registers no workers");
        }
        if (properties.joinToken() == null) {
            throw forbidden("worker registration is closed: the coordinator has no join token (CGFED_JOIN_TOKEN)");
        }
        String bearer = bearer(request);
        if (bearer == null || !MessageDigest.isEqual(bearer.getBytes(StandardCharsets.UTF_8),
                properties.joinToken().getBytes(StandardCharsets.UTF_8))) {
            throw unauthorized("registration needs the join token: Authorization: Bearer <CGFED_JOIN_TOKEN>"
                    + (bearer == null ? "" : "; this one is wrong"));
        }
        return Principal.JOINING;
    }

    /** The bearer token, or null without an Authorization header. */
    static String bearer(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return null;
        }
        String h = header.strip();
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7) || h.substring(7).isBlank()) {
            throw unauthorized("the Authorization header must be 'Bearer <key>'");
        }
        return h.substring(7).strip();
    }

    private static String describe(Principal who) {
        return switch (who.kind()) {
            case API_KEY -> "the API key '" + who.name() + "' (role " + who.role() + ")";
            case WORKER -> "a worker's credential";
            default -> "an anonymous caller";
        };
    }

    static ApiException unauthorized(String detail) {
        return new ApiException(HttpStatus.UNAUTHORIZED, detail);
    }

    static ApiException forbidden(String detail) {
        return new ApiException(HttpStatus.FORBIDDEN, detail);
    }
}
