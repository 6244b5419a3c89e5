package io.cgfed.coordinator.security;

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
 * Who may call the coordinator: users with API keys (the admin key from CGFED_ADMIN_API_KEY), the
 * registry with the key it shares with the coordinator (CGFED_REGISTRY_API_KEY, reads only here),
 * workers with the join token and then their own credential ({@code worker.WorkerCredentials}).
 */
@Configuration(proxyBeanMethods = false)
@Import({ApiSecurity.class, RequestLimits.class})
public class CoordinatorSecurity {
    @Bean
    BootstrapKeys bootstrapKeys(SecurityProperties properties) {
        return BootstrapKeys.of(
                new BootstrapKey("CGFED_ADMIN_API_KEY", properties.adminApiKey(), ApiKeyRole.ADMIN),
                new BootstrapKey("CGFED_REGISTRY_API_KEY", properties.registryApiKey(), ApiKeyRole.READER));
    }
}
