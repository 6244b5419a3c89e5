package io.cgfed.service.support.security;

import java.util.List;

/** The keys a service takes from its environment at start (a bean each service declares). */
public record BootstrapKeys(List<BootstrapKey> keys) {
    public static BootstrapKeys of(BootstrapKey... keys) {
        return new BootstrapKeys(List.of(keys));
    }
}
