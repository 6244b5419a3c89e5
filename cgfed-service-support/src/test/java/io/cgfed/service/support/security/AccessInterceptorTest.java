package io.cgfed.service.support.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.service.support.ApiException;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;

/** The access rules, one by one, without a server: who may read, change, administer, act as a worker, join. */
class AccessInterceptorTest {
    static final String ADMIN = "cgfed_admin-key-of-this-test-0001";
    static final String USER = "cgfed_user-key-of-this-test-00001";
    static final String READER = "cgfed_reader-key-of-this-test-001";
    static final String REVOKED = "cgfed_revoked-key-of-this-test-01";
    static final String JOIN = "cgfj_join-token-of-this-test-0001";
    static final UUID WORKER = UUID.randomUUID();
    static final UUID REVOKED_WORKER = UUID.randomUUID();
    static final String WORKER_CREDENTIAL = "cgfw_worker-credential-of-this-test";

    /** Keys in memory instead of a table. */
    static final ApiKeyStore KEYS = new ApiKeyStore(null) {
        final Map<String, ApiKeyStore.ApiKey> byKey = Map.of(
                ADMIN, key("admin", ApiKeyRole.ADMIN, null),
                USER, key("user", ApiKeyRole.USER, null),
                READER, key("reader", ApiKeyRole.READER, null),
                REVOKED, key("revoked", ApiKeyRole.ADMIN, Instant.now()));

        @Override
        public Optional<ApiKey> find(String key) {
            return Optional.ofNullable(byKey.get(key));
        }
    };

    static final WorkerAuthenticator WORKERS = (id, credential) -> {
        if (!WORKER_CREDENTIAL.equals(credential)) {
            return WorkerAuthenticator.Result.UNKNOWN;
        }
        return id.equals(WORKER) ? WorkerAuthenticator.Result.VALID
                : id.equals(REVOKED_WORKER) ? WorkerAuthenticator.Result.REVOKED : WorkerAuthenticator.Result.UNKNOWN;
    };

    static ApiKeyStore.ApiKey key(String name, ApiKeyRole role, Instant revoked) {
        return new ApiKeyStore.ApiKey(UUID.randomUUID(), name, role, "API", Instant.now(), "test", revoked);
    }

    /** Handlers as controllers declare them. */
    @SuppressWarnings("unused")
    static class Endpoints {
        public void read() {
        }

        public void change() {
        }

        @Requires(Caller.ADMIN)
        public void administer() {
        }

        @Requires(Caller.WORKER)
        public void poll() {
        }

        @Requires(Caller.WEIGHTS)
        public void weights() {
        }

        @Requires(Caller.JOINING_WORKER)
        public void join() {
        }
    }

    static AccessInterceptor interceptor(boolean openReads) {
        return new AccessInterceptor(KEYS, new SecurityProperties(openReads, null, null, JOIN), WORKERS);
    }

    static HandlerMethod handler(String name) throws NoSuchMethodException {
        Method m = Endpoints.class.getMethod(name);
        return new HandlerMethod(new Endpoints(), m);
    }

    static MockHttpServletRequest request(String method, String authorization, UUID workerHeader) {
        MockHttpServletRequest r = new MockHttpServletRequest(method, "/api/v1/things");
        if (authorization != null) {
            r.addHeader("Authorization", authorization);
        }
        if (workerHeader != null) {
            r.addHeader(AccessInterceptor.WORKER_HEADER, workerHeader.toString());
        }
        return r;
    }

    static Principal pass(boolean openReads, String handler, MockHttpServletRequest request) throws Exception {
        assertThat(interceptor(openReads).preHandle(request, new MockHttpServletResponse(), handler(handler))).isTrue();
        return Principal.of(request);
    }

    static void refused(boolean openReads, String handler, MockHttpServletRequest request, HttpStatus status,
                        String detail) {
        assertThatThrownBy(() -> interceptor(openReads).preHandle(request, new MockHttpServletResponse(), handler(handler)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(status);
                    assertThat(e.getMessage()).contains(detail);
                });
    }

    @Test
    void openReadsNeedNoCredentialsButClosedReadsDo() throws Exception {
        assertThat(pass(true, "read", request("GET", null, null)).kind()).isEqualTo(Principal.Kind.ANONYMOUS);
        refused(false, "read", request("GET", null, null), HttpStatus.UNAUTHORIZED, "reads need credentials");
    }

    @Test
    void weightsNeedCredentialsEvenWhereReadsAreOpenUnlessTheirOwnSwitchOpensThem() throws Exception {
        refused(true, "weights", request("GET", null, null), HttpStatus.UNAUTHORIZED, "open-weight-reads");
        assertThat(pass(true, "weights", request("GET", "Bearer " + READER, null)).role()).isEqualTo(ApiKeyRole.READER);
        assertThat(pass(false, "weights", request("GET", "Bearer " + WORKER_CREDENTIAL, WORKER)).kind())
                .isEqualTo(Principal.Kind.WORKER);
        AccessInterceptor open = new AccessInterceptor(KEYS, new SecurityProperties(false, null, null, JOIN, null, true),
                WORKERS);
        MockHttpServletRequest anonymous = request("GET", null, null);
        assertThat(open.preHandle(anonymous, new MockHttpServletResponse(), handler("weights"))).isTrue();
        assertThat(Principal.of(anonymous).kind()).isEqualTo(Principal.Kind.ANONYMOUS);
        // the weights switch opens weights only
        assertThatThrownBy(() -> open.preHandle(request("GET", null, null), new MockHttpServletResponse(), handler("read")))
                .isInstanceOf(ApiException.class);
        assertThat(new SecurityProperties(true, null, null, null).openWeightReads()).isFalse();
    }

    @Test
    void whereReadsAreClosedAnyValidKeyOrWorkerCredentialReads() throws Exception {
        assertThat(pass(false, "read", request("GET", "Bearer " + READER, null)).role()).isEqualTo(ApiKeyRole.READER);
        assertThat(pass(false, "read", request("GET", "Bearer " + USER, null)).role()).isEqualTo(ApiKeyRole.USER);
        Principal worker = pass(false, "read", request("GET", "Bearer " + WORKER_CREDENTIAL, WORKER));
        assertThat(worker.kind()).isEqualTo(Principal.Kind.WORKER);
        assertThat(worker.id()).isEqualTo(WORKER);
        refused(false, "read", request("GET", "Bearer " + REVOKED, null), HttpStatus.UNAUTHORIZED, "revoked");
        refused(false, "read", request("GET", "Bearer " + WORKER_CREDENTIAL, REVOKED_WORKER), HttpStatus.FORBIDDEN,
                "revoked");
    }

    @Test
    void aCredentialSentToAnOpenReadMustBeValid() {
        refused(true, "read", request("GET", "Bearer cgfed_nobody-has-this-key-00000", null), HttpStatus.UNAUTHORIZED,
                "not valid");
        refused(true, "read", request("GET", "Basic dXNlcjpwYXNz", null), HttpStatus.UNAUTHORIZED, "Bearer");
    }

    @Test
    void changesNeedAUserOrAdminKey() throws Exception {
        refused(true, "change", request("POST", null, null), HttpStatus.UNAUTHORIZED, "API key");
        refused(true, "change", request("POST", "Bearer " + READER, null), HttpStatus.FORBIDDEN, "READER");
        refused(true, "change", request("POST", "Bearer " + WORKER_CREDENTIAL, WORKER), HttpStatus.FORBIDDEN, "worker");
        refused(true, "change", request("POST", "Bearer " + REVOKED, null), HttpStatus.UNAUTHORIZED, "revoked");
        assertThat(pass(true, "change", request("POST", "Bearer " + USER, null)).name()).isEqualTo("user");
        assertThat(pass(true, "change", request("DELETE", "Bearer " + ADMIN, null)).name()).isEqualTo("admin");
    }

    @Test
    void administrationNeedsAnAdminKeyEvenForReads() throws Exception {
        refused(true, "administer", request("GET", null, null), HttpStatus.UNAUTHORIZED, "API key");
        refused(true, "administer", request("GET", "Bearer " + USER, null), HttpStatus.FORBIDDEN, "ADMIN");
        assertThat(pass(true, "administer", request("GET", "Bearer " + ADMIN, null)).role()).isEqualTo(ApiKeyRole.ADMIN);
    }

    @Test
    void workerCallsNeedTheWorkersOwnIdAndCredential() throws Exception {
        refused(true, "poll", request("GET", null, WORKER), HttpStatus.UNAUTHORIZED, "Cgfed-Worker-Id");
        refused(true, "poll", request("GET", "Bearer " + WORKER_CREDENTIAL, null), HttpStatus.UNAUTHORIZED,
                "Cgfed-Worker-Id");
        refused(true, "poll", request("GET", "Bearer " + ADMIN, WORKER), HttpStatus.UNAUTHORIZED, "unknown worker");
        refused(true, "poll", request("GET", "Bearer " + WORKER_CREDENTIAL, UUID.randomUUID()), HttpStatus.UNAUTHORIZED,
                "unknown worker");
        MockHttpServletRequest notAnId = request("GET", "Bearer " + WORKER_CREDENTIAL, null);
        notAnId.addHeader(AccessInterceptor.WORKER_HEADER, "worker-7");
        refused(true, "poll", notAnId, HttpStatus.UNAUTHORIZED, "not a worker id");
        refused(true, "poll", request("GET", "Bearer " + WORKER_CREDENTIAL, REVOKED_WORKER), HttpStatus.FORBIDDEN,
                "revoked");
        assertThat(pass(true, "poll", request("GET", "Bearer " + WORKER_CREDENTIAL, WORKER)).id()).isEqualTo(WORKER);
    }

    @Test
    void aWorkerActsOnlyAsItselfInThePath() throws Exception {
        MockHttpServletRequest other = request("GET", "Bearer " + WORKER_CREDENTIAL, WORKER);
        other.setAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE, Map.of("workerId", UUID.randomUUID().toString()));
        refused(true, "poll", other, HttpStatus.FORBIDDEN, "may not act as worker");

        MockHttpServletRequest own = request("GET", "Bearer " + WORKER_CREDENTIAL, WORKER);
        own.setAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE, Map.of("workerId", WORKER.toString()));
        pass(true, "poll", own);
    }

    @Test
    void joiningNeedsTheJoinTokenAndNothingElse() throws Exception {
        refused(true, "join", request("POST", null, null), HttpStatus.UNAUTHORIZED, "join token");
        refused(true, "join", request("POST", "Bearer " + JOIN + "x", null), HttpStatus.UNAUTHORIZED, "wrong");
        refused(true, "join", request("POST", "Bearer " + ADMIN, null), HttpStatus.UNAUTHORIZED, "join token");
        assertThat(pass(true, "join", request("POST", "Bearer " + JOIN, null)).kind())
                .isEqualTo(Principal.Kind.JOINING_WORKER);
    }

    @Test
    void withoutAJoinTokenRegistrationIsClosed() {
        AccessInterceptor closed = new AccessInterceptor(KEYS, new SecurityProperties(true, null, null, null), WORKERS);
        assertThatThrownBy(() -> closed.preHandle(request("POST", "Bearer " + JOIN, null), new MockHttpServletResponse(),
                handler("join")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(HttpStatus.FORBIDDEN);
                    assertThat(e.getMessage()).contains("CGFED_JOIN_TOKEN");
                });
    }

    @Test
    void aServiceWithoutWorkersRefusesWorkerCalls() {
        AccessInterceptor registry = new AccessInterceptor(KEYS, new SecurityProperties(true, null, null, null), null);
        assertThatThrownBy(() -> registry.preHandle(request("GET", "Bearer " + WORKER_CREDENTIAL, WORKER),
                new MockHttpServletResponse(), handler("poll")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(HttpStatus.FORBIDDEN));
    }

    @Test
    void secretsShorterThanSixteenCharactersAreRefusedWithoutBeingShown() {
        assertThatThrownBy(() -> new SecurityProperties(true, "hunter2", null, null))
                .hasMessageContaining("CGFED_ADMIN_API_KEY").hasMessageNotContaining("hunter2");
        assertThat(new SecurityProperties(true, ADMIN, null, JOIN).toString()).doesNotContain(ADMIN).doesNotContain(JOIN);
        assertThat(new SecurityProperties(null, " ", "", null).openReads()).isTrue();
        assertThatThrownBy(() -> new SecurityProperties(true, ADMIN, ADMIN, null))
                .hasMessageContaining("different").hasMessageNotContaining(ADMIN);
        assertThatThrownBy(() -> new SecurityProperties(true, null, null, JOIN, JOIN))
                .hasMessageContaining("CGFED_CODEC_API_KEY").hasMessageNotContaining(JOIN);
        assertThat(new SecurityProperties(true, ADMIN, null, JOIN, "0123456789abcdef0123").toString())
                .contains("codecApiKey=(set)").doesNotContain("0123456789abcdef0123");
    }

    @Test
    void storedDigestsMatchOnlyTheirSecret() {
        String key = Secrets.generate("cgfed_");
        assertThat(key).startsWith("cgfed_").hasSize(6 + 43);
        assertThat(Secrets.matches(key, Secrets.sha256(key))).isTrue();
        assertThat(Secrets.matches(key + "x", Secrets.sha256(key))).isFalse();
        assertThat(Secrets.matches(key, null)).isFalse();
        assertThat(Secrets.generate("cgfed_")).isNotEqualTo(key);
    }
}
