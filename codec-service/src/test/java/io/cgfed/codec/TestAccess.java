package io.cgfed.codec;

import io.cgfed.service.support.security.Secrets;
import io.cgfed.testing.SharedPostgres;
import java.net.http.HttpRequest;
import org.springframework.test.context.DynamicPropertyRegistry;

/** The codec-service under test as deployed: the shared embedded database and the coordinator's key. */
public final class TestAccess {
    /** The key the coordinator and this codec-service share (CGFED_CODEC_API_KEY). */
    public static final String CODEC_KEY = Secrets.generate("cgfc_");
    public static final String ADMIN_KEY = Secrets.generate("cgfed_");

    private TestAccess() {
    }

    public static void register(DynamicPropertyRegistry registry) {
        SharedPostgres.register(registry);
        registry.add("cgfed.security.codec-api-key", () -> CODEC_KEY);
        registry.add("cgfed.security.admin-api-key", () -> ADMIN_KEY);
    }

    /** A request as the coordinator sends it. */
    public static HttpRequest.Builder asCoordinator(HttpRequest.Builder b) {
        return b.header("Authorization", "Bearer " + CODEC_KEY);
    }
}
