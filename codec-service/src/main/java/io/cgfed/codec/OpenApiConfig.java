package io.cgfed.codec;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The service's OpenAPI document (/v3/api-docs), shown by Swagger UI at /swagger-ui.html. Both lie
 * outside /api, so access control (which guards /api/**) leaves them open, also where reads are closed.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfig {
    @Bean
    OpenAPI serviceOpenApi() {
        return new OpenAPI().info(new Info().title("cgfed codec-service").version("v1")
                .description("Decodes and aggregates (FedAvg) compressed updates, and owns the learned codec's versions: TGAP training with its per-epoch loss history, FAF adaptation and refits, model files. Called by the coordinator."));
    }
}
