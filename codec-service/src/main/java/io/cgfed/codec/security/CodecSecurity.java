package io.cgfed.codec.security;

import io.cgfed.service.support.security.ApiKeyRole;
import io.cgfed.service.support.security.ApiSecurity;
import io.cgfed.service.support.security.BootstrapKey;
import io.cgfed.service.support.security.BootstrapKeys;
import io.cgfed.service.support.security.SecurityProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Who may call the codec-service: the coordinator, with the key the two share (CGFED_CODEC_API_KEY,
 * role USER here: aggregate, decode, train and refit codecs); reads as on every service (open, or with
 * a key where reads are closed); admins (CGFED_ADMIN_API_KEY) manage keys. Workers never call it: they
 * reach codec versions through the coordinator, which checks their credential.
 */
@Configuration(proxyBeanMethods = false)
@Import(ApiSecurity.class)
public class CodecSecurity {
    @Bean
    BootstrapKeys bootstrapKeys(SecurityProperties properties) {
        return BootstrapKeys.of(
                new BootstrapKey("CGFED_ADMIN_API_KEY", properties.adminApiKey(), ApiKeyRole.ADMIN),
                new BootstrapKey("CGFED_CODEC_API_KEY", properties.codecApiKey(), ApiKeyRole.USER));
    }
}
