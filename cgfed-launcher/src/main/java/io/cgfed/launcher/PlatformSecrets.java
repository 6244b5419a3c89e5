package io.cgfed.launcher;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secrets of one platform run, fresh and random each time: the admin API key (the user's), the
 * join token (the workers'), the key between coordinator and registry, the key between coordinator and
 * codec-service. They reach the services
 * through their environment only; {@code ./cgfed up} shows the admin key once.
 */
public record PlatformSecrets(String adminApiKey, String joinToken, String registryApiKey, String codecApiKey) {
    private static final SecureRandom RANDOM = new SecureRandom();

    public static PlatformSecrets generate() {
        return new PlatformSecrets(random("cgfed_"), random("cgfj_"), random("cgfr_"), random("cgfc_"));
    }

    private static String random(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Never the secrets themselves. */
    @Override
    public String toString() {
        return "PlatformSecrets[4 secrets]";
    }
}
