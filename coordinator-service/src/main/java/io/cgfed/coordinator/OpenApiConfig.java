package io.cgfed.coordinator;

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
        return new OpenAPI().info(new Info().title("cgfed coordinator").version("v1")
                .description("Experiments, rounds, workers, tasks, uploads and global adapter versions of federated LoRA fine-tuning. Users call it with an API key (Authorization: Bearer); workers with their join token, then their own credential (Cgfed-Worker-Id + Bearer). Reads are open where cgfed.security.open-reads is true."));
    }
}
