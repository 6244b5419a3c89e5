package io.cgfed.service.support.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Access control for a service with an {@code api_keys} table: API keys (and, where the service
 * provides a {@link WorkerAuthenticator}, workers) checked on every {@code /api/**} request by
 * {@link AccessInterceptor}; keys from the environment ({@link BootstrapKeys}) hashed in at start;
 * {@code /api/v1/api-keys} for admins. Actuator probes are outside {@code /api} and stay open.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecurityProperties.class)
@Import(ApiKeyController.class)
public class ApiSecurity {
    private static final Logger log = LoggerFactory.getLogger(ApiSecurity.class);

    @Bean
    ApiKeyStore apiKeyStore(JdbcClient jdbc) {
        return new ApiKeyStore(jdbc);
    }

    @Bean
    AccessInterceptor accessInterceptor(ApiKeyStore keys, SecurityProperties properties,
                                        ObjectProvider<WorkerAuthenticator> workers) {
        return new AccessInterceptor(keys, properties, workers.getIfAvailable());
    }

    @Bean
    WebMvcConfigurer accessControl(AccessInterceptor interceptor) {
        return new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                registry.addInterceptor(interceptor).addPathPatterns("/api/**");
            }
        };
    }

    /** Runs after the migrations, before the service reports ready. */
    @Bean
    ApplicationRunner bootstrapApiKeys(ApiKeyStore keys, ObjectProvider<BootstrapKeys> bootstrap,
                                       SecurityProperties properties) {
        return args -> {
            BootstrapKeys b = bootstrap.getIfAvailable(() -> new BootstrapKeys(java.util.List.of()));
            b.keys().forEach(keys::bootstrap);
            if (!keys.anyActiveAdmin()) {
                log.warn("no admin API key is active: set CGFED_ADMIN_API_KEY to create keys and revoke workers");
            }
            log.info("reads are {}", properties.openReads() ? "open (cgfed.security.open-reads=true)"
                    : "closed: they need an API key or a worker credential");
        };
    }
}
