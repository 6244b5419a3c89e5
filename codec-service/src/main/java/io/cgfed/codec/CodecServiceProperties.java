package io.cgfed.codec;

import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * codec-service settings ({@code cgfed.codec.*}).
 *
 * @param maxPayloadsPerRound most updates one aggregate request may carry
 * @param trainingThreads     TGAP trainings that run at once (each uses the engine's intra-op threads)
 * @param modelCacheSize      trained codec versions kept decoded in memory for decoding
 */
@Validated
@ConfigurationProperties("cgfed.codec")
public record CodecServiceProperties(@Positive Integer maxPayloadsPerRound, @Positive Integer trainingThreads,
                                     @Positive Integer modelCacheSize) {
    public CodecServiceProperties {
        maxPayloadsPerRound = maxPayloadsPerRound == null ? 10_000 : maxPayloadsPerRound;
        trainingThreads = trainingThreads == null ? 1 : trainingThreads;
        modelCacheSize = modelCacheSize == null ? 16 : modelCacheSize;
    }
}
