package io.cgfed.service.support.security;

/**
 * A key a service takes from its environment at start.
 *
 * @param name the environment variable, which is also the key's name in the table
 * @param key  the secret, or null when the variable is not set
 */
public record BootstrapKey(String name, String key, ApiKeyRole role) {
    @Override
    public String toString() {
        return "BootstrapKey[" + name + ", " + role + (key == null ? ", not set]" : ", set]");
    }
}
