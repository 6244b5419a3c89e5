package io.cgfed.registry.security;

import io.cgfed.service.support.limits.RequestLimits;
import io.cgfed.service.support.security.ApiKeyRole;
import io.cgfed.service.support.security.ApiSecurity;
import io.cgfed.service.support.security.BootstrapKey;
import io.cgfed.service.support.security.BootstrapKeys;
import io.cgfed.service.support.security.SecurityProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Who may call the registry: the coordinator writes records with the key the two share
 * (CGFED_REGISTRY_API_KEY, role USER here); users read (openly, or with a key where reads are
 * closed); admins (CGFED_ADMIN_API_KEY) manage keys.
 */
@Configuration(proxyBeanMethods = false)
@Import({ApiSecurity.class, RequestLimits.class})
public class RegistrySecurity {
    @Bean
    BootstrapKeys bootstrapKeys(SecurityProperties properties) {
        return BootstrapKeys.of(
                new BootstrapKey("CGFED_ADMIN_API_KEY", properties.adminApiKey(), ApiKeyRole.ADMIN),
                new BootstrapKey("CGFED_REGISTRY_API_KEY", properties.registryApiKey(), ApiKeyRole.USER));
    }
}
