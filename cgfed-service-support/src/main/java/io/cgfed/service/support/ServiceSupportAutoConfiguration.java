package io.cgfed.service.support;

import org.flywaydb.core.Flyway;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * What every service gets by having this module on its class path: the request log context, strict
 * request bodies ({@link StrictJson}), and
 * (where Flyway runs) the {@code migrations} health indicator that the readiness group includes.
 */
@AutoConfiguration(afterName = "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration")
public class ServiceSupportAutoConfiguration {

    @Bean
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    FilterRegistrationBean<LogContextFilter> logContextFilter() {
        FilterRegistrationBean<LogContextFilter> registration = new FilterRegistrationBean<>(new LogContextFilter());
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    /** Unknown fields, floats as integers and numbers as strings are refused in request bodies. */
    @Bean
    JsonMapperBuilderCustomizer strictRequestBodies() {
        return StrictJson.strictRequestBodies();
    }

    /** {@code database}: the readiness group's bounded-time check of the database and its migrations. */
    @Bean(name = "databaseHealthIndicator")
    @ConditionalOnBean(javax.sql.DataSource.class)
    @ConditionalOnMissingBean(name = "databaseHealthIndicator")
    DatabaseReadiness databaseHealthIndicator(javax.sql.DataSource dataSource,
                                              org.springframework.beans.factory.ObjectProvider<Flyway> flyway,
                                              org.springframework.core.env.Environment env) {
        java.time.Duration timeout = env.getProperty("cgfed.health.database-timeout", java.time.Duration.class,
                java.time.Duration.ofSeconds(2));
        return new DatabaseReadiness(dataSource, flyway.getIfAvailable(), timeout);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Flyway.class)
    static class Migrations {
        @Bean(name = "migrationsHealthIndicator")
        @ConditionalOnBean(Flyway.class)
        @ConditionalOnMissingBean(name = "migrationsHealthIndicator")
        MigrationsHealthIndicator migrationsHealthIndicator(Flyway flyway) {
            return new MigrationsHealthIndicator(flyway);
        }
    }
}
