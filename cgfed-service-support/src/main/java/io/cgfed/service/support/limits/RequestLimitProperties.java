package io.cgfed.service.support.limits;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Request size limits ({@code cgfed.limits.*}).
 *
 * @param maxJsonBody largest body of any API request that is not a binary upload
 *                    ({@code application/octet-stream} and multipart bodies are bounded where they are
 *                    read, against what the experiment allows); default 1MB
 */
@ConfigurationProperties("cgfed.limits")
public record RequestLimitProperties(DataSize maxJsonBody) {
    public RequestLimitProperties {
        maxJsonBody = maxJsonBody == null ? DataSize.ofMegabytes(1) : maxJsonBody;
        if (maxJsonBody.toBytes() <= 0) {
            throw new IllegalArgumentException("cgfed.limits.max-json-body must be positive");
        }
    }
}
