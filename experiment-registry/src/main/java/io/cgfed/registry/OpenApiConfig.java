package io.cgfed.registry;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The registry's OpenAPI document (/v3/api-docs), shown by Swagger UI at /swagger-ui.html. */
@Configuration(proxyBeanMethods = false)
class OpenApiConfig {
    @Bean
    OpenAPI registryOpenApi() {
        return new OpenAPI().info(new Info().title("cgfed experiment registry").version("v1")
                .description("The record of every federated experiment: spec, status, per-round and per-client "
                        + "metrics, adapter downloads and comparisons. Reads are open by default "
                        + "(cgfed.security.open-reads); changes need an API key (Authorization: Bearer)."));
    }
}
