package io.cgfed.codec;

import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * codec-service settings ({@code cgfed.codec.*}).
 *
 * @param maxPayloadsPerRound most updates one aggregate request may carry
 */
@Validated
@ConfigurationProperties("cgfed.codec")
public record CodecServiceProperties(@Positive Integer maxPayloadsPerRound) {
    public CodecServiceProperties {
        if (maxPayloadsPerRound == null) {
            maxPayloadsPerRound = 10_000;
        }
    }
}
