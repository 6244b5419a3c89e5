package io.cgfed.service.support.limits;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** The body limit on every {@code /api/*} request (see {@link RequestBodyLimitFilter}). */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RequestLimitProperties.class)
public class RequestLimits {
    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimit(RequestLimitProperties properties) {
        FilterRegistrationBean<RequestBodyLimitFilter> r =
                new FilterRegistrationBean<>(new RequestBodyLimitFilter(properties.maxJsonBody().toBytes()));
        r.addUrlPatterns("/api/*");
        r.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
        return r;
    }
}
