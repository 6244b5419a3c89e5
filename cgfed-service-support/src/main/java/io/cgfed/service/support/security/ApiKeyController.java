package io.cgfed.service.support.security;

import io.cgfed.service.support.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Admins create API keys (the secret is in the creation answer, and nowhere else ever), list and revoke them. */
@RestController
@RequestMapping("/api/v1/api-keys")
@Requires(Caller.ADMIN)
public class ApiKeyController {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyController.class);
    private final ApiKeyStore keys;

    ApiKeyController(ApiKeyStore keys) {
        this.keys = keys;
    }

    /** @param role ADMIN, USER or READER; USER when absent */
    public record NewKey(@NotBlank @Size(max = 200) @Pattern(regexp = "[^\\p{Cntrl}]*", message = "must not hold control characters")
                         String name, ApiKeyRole role) {
    }

    @PostMapping
    public ResponseEntity<Map<String, Object>> create(@Valid @RequestBody NewKey request, HttpServletRequest http) {
        Principal by = Principal.of(http);
        ApiKeyStore.Created c = keys.create(request.name(), request.role() == null ? ApiKeyRole.USER : request.role(),
                by.name());
        log.info("API key {} ('{}', {}) created by '{}'", c.apiKey().id(), c.apiKey().name(), c.apiKey().role(), by.name());
        Map<String, Object> body = view(c.apiKey());
        body.put("key", c.key());
        body.put("note", "the key is shown this once; only its SHA-256 is stored");
        return ResponseEntity.created(URI.create("/api/v1/api-keys/" + c.apiKey().id())).body(body);
    }

    @GetMapping
    public List<Map<String, Object>> list() {
        return keys.list().stream().map(ApiKeyController::view).toList();
    }

    /**
     * The key this request is made with (any USER or ADMIN key): how another part of the platform (a
     * worker's {@code /generate}) checks a user's key without holding the key table.
     */
    @GetMapping("/self")
    @Requires(Caller.USER)
    public Map<String, Object> self(HttpServletRequest http) {
        Principal who = Principal.of(http);
        return view(keys.find(who.id()).orElseThrow(() -> ApiException.notFound("no API key " + who.id())));
    }

    @GetMapping("/{id}")
    public Map<String, Object> get(@PathVariable UUID id) {
        return view(keys.find(id).orElseThrow(() -> ApiException.notFound("no API key " + id)));
    }

    /** Revokes at once: the next request with the key is refused. Revoking twice is not an error. */
    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void revoke(@PathVariable UUID id, HttpServletRequest http) {
        ApiKeyStore.ApiKey k = keys.revoke(id).orElseThrow(() -> ApiException.notFound("no API key " + id));
        log.info("API key {} ('{}') revoked by '{}'", k.id(), k.name(), Principal.of(http).name());
    }

    static Map<String, Object> view(ApiKeyStore.ApiKey k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", k.id());
        m.put("name", k.name());
        m.put("role", k.role());
        m.put("origin", k.origin());
        m.put("createdAt", k.createdAt());
        m.put("createdBy", k.createdBy());
        m.put("revokedAt", k.revokedAt());
        return m;
    }
}
