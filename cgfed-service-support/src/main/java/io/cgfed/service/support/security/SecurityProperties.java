package io.cgfed.service.support.security;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * Access control ({@code cgfed.security.*}). Secrets come from the environment only; each is at least
 * 16 characters (generate one with {@code openssl rand -hex 32}). A secret that is not set is absent:
 * what it would open stays closed.
 *
 * @param openReads      GET requests need no credentials (default true, for a platform on localhost);
 *                       false: any valid API key or worker credential (env {@code CGFED_OPEN_READS})
 * @param adminApiKey    the bootstrap admin key, hashed into the service's key table at start
 *                       (env {@code CGFED_ADMIN_API_KEY})
 * @param registryApiKey the key between coordinator and registry: the coordinator writes records
 *                       with it, the registry reads adapters from the coordinator with it
 *                       (env {@code CGFED_REGISTRY_API_KEY})
 * @param joinToken      what a worker shows to register (coordinator; env {@code CGFED_JOIN_TOKEN})
 * @param codecApiKey    the key between coordinator and codec-service: the coordinator sends it on
 *                       every call, the codec-service takes it as a USER key (env {@code CGFED_CODEC_API_KEY})
 * @param openWeightReads model weights (adapters, codec weights) need no credentials (default false:
 *                       a trained adapter is what a federation protects, and it can leak training text,
 *                       so open reads do not open it; env {@code CGFED_OPEN_WEIGHT_READS})
 */
@ConfigurationProperties("cgfed.security")
public record SecurityProperties(Boolean openReads, String adminApiKey, String registryApiKey, String joinToken,
                                 String codecApiKey, Boolean openWeightReads) {
    static final int MIN_SECRET_LENGTH = 16;

    @ConstructorBinding
    public SecurityProperties {
        openReads = openReads == null || openReads;
        openWeightReads = openWeightReads != null && openWeightReads;
        adminApiKey = checked("cgfed.security.admin-api-key (CGFED_ADMIN_API_KEY)", adminApiKey);
        registryApiKey = checked("cgfed.security.registry-api-key (CGFED_REGISTRY_API_KEY)", registryApiKey);
        joinToken = checked("cgfed.security.join-token (CGFED_JOIN_TOKEN)", joinToken);
        codecApiKey = checked("cgfed.security.codec-api-key (CGFED_CODEC_API_KEY)", codecApiKey);
        List<String> secrets = Stream.of(adminApiKey, registryApiKey, joinToken, codecApiKey).filter(Objects::nonNull).toList();
        if (new HashSet<>(secrets).size() < secrets.size()) {
            throw new IllegalArgumentException("CGFED_ADMIN_API_KEY, CGFED_REGISTRY_API_KEY, CGFED_JOIN_TOKEN and"
                    + " CGFED_CODEC_API_KEY must be different secrets: each opens something else");
        }
    }

    /** Without the codec-service key; weights closed. */
    public SecurityProperties(Boolean openReads, String adminApiKey, String registryApiKey, String joinToken) {
        this(openReads, adminApiKey, registryApiKey, joinToken, null, null);
    }

    /** Weights closed. */
    public SecurityProperties(Boolean openReads, String adminApiKey, String registryApiKey, String joinToken,
                              String codecApiKey) {
        this(openReads, adminApiKey, registryApiKey, joinToken, codecApiKey, null);
    }

    private static String checked(String what, String secret) {
        if (secret == null || secret.isBlank()) {
            return null;
        }
        if (secret.strip().length() < MIN_SECRET_LENGTH) {
            // never the value itself
            throw new IllegalArgumentException(what + " is shorter than " + MIN_SECRET_LENGTH
                    + " characters; use a random one, e.g. `openssl rand -hex 32`");
        }
        return secret.strip();
    }

    /** Says which secrets are set, never what they are. */
    @Override
    public String toString() {
        return "SecurityProperties[openReads=" + openReads + ", openWeightReads=" + openWeightReads + ", adminApiKey=" + set(adminApiKey) + ", registryApiKey="
                + set(registryApiKey) + ", joinToken=" + set(joinToken) + ", codecApiKey=" + set(codecApiKey) + "]";
    }

    private static String set(String secret) {
        return secret == null ? "(not set)" : "(set)";
    }
}
