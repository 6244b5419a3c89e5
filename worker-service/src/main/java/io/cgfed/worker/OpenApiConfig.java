package io.cgfed.worker;

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
        return new OpenAPI().info(new Info().title("cgfed worker").version("v1")
                .description("One federated client: its status and text generation with the base model and a global adapter. It pulls its tasks from the coordinator."));
    }
}
